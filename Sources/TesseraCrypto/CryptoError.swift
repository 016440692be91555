internal import COpenSSL

/// The one error TesseraCrypto throws: which operation failed and, for OpenSSL failures, the
/// library's own reason. It never carries key, password or hash bytes.
public struct CryptoError: Error, Hashable, CustomStringConvertible {
    private enum Code: String {
        case openSSL = "OpenSSL call failed"
        case keyTooShort = "key is shorter than the hash output"
        case passwordTooLong = "password exceeds the configured byte limit"
        case invalidPasswordHash = "stored password hash is not a supported PHC string"
        case unsupportedParameters = "KDF parameters are outside the supported range"
        case unsupportedKey = "the key is not of a supported type, size or shape"
    }

    private let code: Code
    /// Extra context for logs (the OpenSSL reason string, or the offending field); may be empty.
    public let detail: String

    private init(_ code: Code, detail: String = "") {
        self.code = code
        self.detail = detail
    }

    /// A key shorter than its hash function's output (RFC 7518 §3.2, RFC 2104 §3).
    public static let keyTooShort = CryptoError(.keyTooShort)
    /// A password longer than the configured limit; rejected before any hashing work.
    public static let passwordTooLong = CryptoError(.passwordTooLong)
    /// A stored hash string that cannot be parsed.
    public static let invalidPasswordHash = CryptoError(.invalidPasswordHash)
    /// KDF parameters that are malformed or would need unreasonable memory or time.
    public static let unsupportedParameters = CryptoError(.unsupportedParameters)

    /// An asymmetric key of another type or size, malformed, or used with the wrong scheme.
    public static let unsupportedKey = CryptoError(.unsupportedKey)

    static func unsupportedKey(_ detail: String) -> CryptoError {
        CryptoError(.unsupportedKey, detail: detail)
    }

    static func invalidPasswordHash(_ detail: String) -> CryptoError {
        CryptoError(.invalidPasswordHash, detail: detail)
    }

    static func unsupportedParameters(_ detail: String) -> CryptoError {
        CryptoError(.unsupportedParameters, detail: detail)
    }

    /// Drains OpenSSL's per-thread error queue into one error naming `operation`.
    static func openSSL(_ operation: String) -> CryptoError {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        let reason = reasons.isEmpty ? "no reason given" : reasons.joined(separator: "; ")
        return CryptoError(.openSSL, detail: "\(operation): \(reason)")
    }

    /// Two errors are equal when they are the same kind of failure, whatever their detail.
    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String { detail.isEmpty ? code.rawValue : "\(code.rawValue) (\(detail))" }
}

/// Throws the drained OpenSSL error unless `result` is OpenSSL's success value, 1.
@inline(__always)
func check(_ result: Int32, _ operation: @autoclosure () -> String) throws {
    guard result == 1 else { throw CryptoError.openSSL(operation()) }
}
