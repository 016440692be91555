internal import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's CSPRNG.
public enum SecureRandom {
    /// `count` random bytes.
    public static func bytes(count: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return output }
        let result = output.withUnsafeMutableBytes {
            RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(count))
        }
        try check(result, "RAND_bytes")
        return output
    }

    /// `count` random bytes held in zeroing memory.
    public static func secret(count: Int) throws -> SecretBytes {
        var bytes = try self.bytes(count: count)
        defer { ConstantTime.wipe(&bytes) }
        return SecretBytes(bytes)
    }
}
