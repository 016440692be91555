import TesseraCrypto

/// The JWS algorithms Tessera signs and verifies (RFC 7518 §3, RFC 8037). A key is bound to
/// exactly one of them (RFC 8725 §3.1): a token naming another is refused before any crypto.
public enum JWTAlgorithm: String, Sendable, CaseIterable {
    case hs256 = "HS256"
    case hs384 = "HS384"
    case hs512 = "HS512"
    case es256 = "ES256"
    case es384 = "ES384"
    case edDSA = "EdDSA"
    case rs256 = "RS256"
    case ps256 = "PS256"

    /// Whether the algorithm is an HMAC: its key is a shared secret that is never published.
    public var isSymmetric: Bool { hmacHash != nil }

    /// The hash behind the HMAC; nil for the asymmetric algorithms.
    public var hmacHash: HashFunction? {
        switch self {
        case .hs256: .sha256
        case .hs384: .sha384
        case .hs512: .sha512
        default: nil
        }
    }

    /// The signature scheme of an asymmetric algorithm; nil for HMAC.
    public var signatureScheme: SignatureScheme? {
        switch self {
        case .hs256, .hs384, .hs512: nil
        case .es256: .ecdsaP256SHA256
        case .es384: .ecdsaP384SHA384
        case .edDSA: .ed25519
        case .rs256: .rsaPKCS1SHA256
        case .ps256: .rsaPSSSHA256
        }
    }

    /// The shortest HMAC key RFC 7518 §3.2 allows, the hash output length; 0 for asymmetric keys.
    public var minimumKeyBytes: Int { hmacHash?.digestSize ?? 0 }

    /// The names, for messages: `HS256, HS384, …`.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
