internal import COpenSSL

/// The SHA-2 functions Tessera uses, for digests, HMAC and PBKDF2.
public enum HashFunction: String, Sendable, CaseIterable {
    case sha256 = "SHA256"
    case sha384 = "SHA384"
    case sha512 = "SHA512"

    /// Output length in bytes.
    public var digestSize: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// OpenSSL's digest implementation, fetched once per process.
    var messageDigest: OpaquePointer {
        switch self {
        case .sha256: FetchedAlgorithms.shared.sha256
        case .sha384: FetchedAlgorithms.shared.sha384
        case .sha512: FetchedAlgorithms.shared.sha512
        }
    }
}

/// OpenSSL 3 algorithm objects are expensive to fetch and safe to share between threads once
/// fetched, so each is fetched exactly once.
final class FetchedAlgorithms: @unchecked Sendable {
    static let shared = FetchedAlgorithms()

    let sha256: OpaquePointer
    let sha384: OpaquePointer
    let sha512: OpaquePointer
    let hmac: OpaquePointer
    let scrypt: OpaquePointer
    let pbkdf2: OpaquePointer

    private init() {
        // A default-provider OpenSSL 3 always has these; without them nothing here can work.
        func required(_ pointer: OpaquePointer?, _ name: String) -> OpaquePointer {
            guard let pointer else { preconditionFailure("OpenSSL provides no \(name)") }
            return pointer
        }
        sha256 = required(EVP_MD_fetch(nil, "SHA256", nil), "SHA256")
        sha384 = required(EVP_MD_fetch(nil, "SHA384", nil), "SHA384")
        sha512 = required(EVP_MD_fetch(nil, "SHA512", nil), "SHA512")
        hmac = required(EVP_MAC_fetch(nil, "HMAC", nil), "HMAC")
        scrypt = required(EVP_KDF_fetch(nil, "SCRYPT", nil), "SCRYPT")
        pbkdf2 = required(EVP_KDF_fetch(nil, "PBKDF2", nil), "PBKDF2")
    }
}
