internal import COpenSSL

/// Password-based key derivation through OpenSSL's EVP_KDF (scrypt, RFC 7914; PBKDF2, RFC 8018).
public enum KDF {
    /// The most memory one scrypt derivation may use; larger parameters are refused rather than
    /// letting a stored hash exhaust the machine.
    public static let scryptMemoryLimit: UInt64 = 1 << 31

    /// scrypt with cost `n` (a power of two), block size `r` and parallelism `p`.
    public static func scrypt(
        password: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer,
        n: UInt64, r: UInt32, p: UInt32, length: Int
    ) throws -> [UInt8] {
        guard n > 1, n & (n - 1) == 0, r > 0, p > 0, length > 0 else {
            throw CryptoError.unsupportedParameters("scrypt N must be a power of two above 1; r, p positive")
        }
        let (blocks, overflow) = UInt64(r).multipliedReportingOverflow(by: n &+ UInt64(p) &+ 2)
        let (memory, overflow2) = blocks.multipliedReportingOverflow(by: 128)
        guard !overflow, !overflow2, memory <= scryptMemoryLimit else {
            throw CryptoError.unsupportedParameters("scrypt would need more than \(scryptMemoryLimit >> 20) MiB")
        }
        var nValue = n
        var rValue = r
        var pValue = p
        var maxMemory = memory + (1 << 20)
        return try withUnsafeMutablePointer(to: &nValue) { nPointer in
            try withUnsafeMutablePointer(to: &rValue) { rPointer in
                try withUnsafeMutablePointer(to: &pValue) { pPointer in
                    try withUnsafeMutablePointer(to: &maxMemory) { memoryPointer in
                        try derive(
                            FetchedAlgorithms.shared.scrypt, name: "scrypt", password: password, salt: salt,
                            length: length,
                            extra: [
                                OSSL_PARAM_construct_uint64(OSSLParameter.scryptN.cString, nPointer),
                                OSSL_PARAM_construct_uint32(OSSLParameter.scryptR.cString, rPointer),
                                OSSL_PARAM_construct_uint32(OSSLParameter.scryptP.cString, pPointer),
                                OSSL_PARAM_construct_uint64(OSSLParameter.scryptMaxMemory.cString, memoryPointer),
                            ])
                    }
                }
            }
        }
    }

    /// PBKDF2 with HMAC over `hashFunction` and `iterations` rounds. SP 800-132 lower-bound checks
    /// are left to the caller's policy so that every RFC and Wycheproof vector can be computed.
    public static func pbkdf2(
        password: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer,
        hashFunction: HashFunction, iterations: UInt64, length: Int
    ) throws -> [UInt8] {
        guard iterations > 0, length > 0 else {
            throw CryptoError.unsupportedParameters("PBKDF2 needs at least one iteration and one output byte")
        }
        var rounds = iterations
        var disableLowerBoundChecks: Int32 = 1
        return try hashFunction.rawValue.withCString { digest in
            try withUnsafeMutablePointer(to: &rounds) { roundsPointer in
                try withUnsafeMutablePointer(to: &disableLowerBoundChecks) { pkcs5 in
                    try derive(
                        FetchedAlgorithms.shared.pbkdf2, name: "PBKDF2", password: password, salt: salt,
                        length: length,
                        extra: [
                            OSSL_PARAM_construct_utf8_string(OSSLParameter.digest.cString, UnsafeMutablePointer(mutating: digest), 0),
                            OSSL_PARAM_construct_uint64(OSSLParameter.iterations.cString, roundsPointer),
                            OSSL_PARAM_construct_int(OSSLParameter.pkcs5.cString, pkcs5),
                        ])
                }
            }
        }
    }

    /// Runs one EVP_KDF derivation with the password and salt plus `extra` parameters.
    private static func derive(
        _ kdf: OpaquePointer, name: String,
        password: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer,
        length: Int, extra: [OSSL_PARAM]
    ) throws -> [UInt8] {
        guard let ctx = EVP_KDF_CTX_new(kdf) else { throw CryptoError.openSSL("EVP_KDF_CTX_new(\(name))") }
        defer { EVP_KDF_CTX_free(ctx) }
        var output = [UInt8](repeating: 0, count: length)
        // OpenSSL wants non-NULL buffers even for empty passwords and salts.
        let placeholder = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
        defer { placeholder.deallocate() }
        func pointer(_ buffer: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer {
            buffer.count > 0 ? UnsafeMutableRawPointer(mutating: buffer.baseAddress!) : placeholder
        }
        var params = [
            OSSL_PARAM_construct_octet_string(OSSLParameter.password.cString, pointer(password), password.count),
            OSSL_PARAM_construct_octet_string(OSSLParameter.salt.cString, pointer(salt), salt.count),
        ]
        params += extra
        params.append(OSSL_PARAM_construct_end())
        let result = output.withUnsafeMutableBytes { out in
            EVP_KDF_derive(ctx, out.baseAddress!.assumingMemoryBound(to: UInt8.self), length, params)
        }
        try check(result, "EVP_KDF_derive(\(name))")
        return output
    }
}
