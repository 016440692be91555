internal import COpenSSL
import Foundation

extension HashFunction {
    /// The digest of `data`.
    public func hash(_ data: some ContiguousBytes) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: digestSize)
        var length: UInt32 = 0
        let md = messageDigest
        let result = data.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                EVP_Digest(input.baseAddress, input.count, out.baseAddress, &length, md, nil)
            }
        }
        try check(result, "EVP_Digest(\(rawValue))")
        return output
    }
}
