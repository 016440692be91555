internal import COpenSSL

/// Names of OpenSSL parameters as static C strings.
///
/// `OSSL_PARAM` keeps a pointer to its key, and Swift passes the imported `OSSL_*_PARAM_*` macro
/// strings as temporary C strings that die after the constructor returns. These literals have
/// static storage and spell exactly what `openssl/core_names.h` defines.
enum OSSLParameter {
    static let digest: StaticString = "digest"  // OSSL_MAC_PARAM_DIGEST, OSSL_KDF_PARAM_DIGEST
    static let password: StaticString = "pass"  // OSSL_KDF_PARAM_PASSWORD
    static let salt: StaticString = "salt"  // OSSL_KDF_PARAM_SALT
    static let iterations: StaticString = "iter"  // OSSL_KDF_PARAM_ITER
    static let pkcs5: StaticString = "pkcs5"  // OSSL_KDF_PARAM_PKCS5
    static let scryptN: StaticString = "n"  // OSSL_KDF_PARAM_SCRYPT_N
    static let scryptR: StaticString = "r"  // OSSL_KDF_PARAM_SCRYPT_R
    static let scryptP: StaticString = "p"  // OSSL_KDF_PARAM_SCRYPT_P
    static let scryptMaxMemory: StaticString = "maxmem_bytes"  // OSSL_KDF_PARAM_SCRYPT_MAXMEM
}

extension StaticString {
    /// The literal as a C string pointer valid for the whole process.
    var cString: UnsafePointer<CChar> { UnsafeRawPointer(utf8Start).assumingMemoryBound(to: CChar.self) }
}
