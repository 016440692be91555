import TesseraCrypto

/// The JWS algorithms Tessera signs and verifies (RFC 7518 §3.2). A key is bound to one of them.
public enum JWTAlgorithm: String, Sendable, CaseIterable {
    case hs256 = "HS256"
    case hs384 = "HS384"
    case hs512 = "HS512"

    /// The hash function behind the HMAC.
    public var hashFunction: HashFunction {
        switch self {
        case .hs256: .sha256
        case .hs384: .sha384
        case .hs512: .sha512
        }
    }

    /// The shortest key RFC 7518 §3.2 allows: the hash output length.
    public var minimumKeyBytes: Int { hashFunction.digestSize }
}
