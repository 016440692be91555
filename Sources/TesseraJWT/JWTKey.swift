import TesseraCrypto

/// One symmetric signing key: its `kid`, its pinned algorithm, and its prepared HMAC state.
public struct JWTKey: Sendable {
    /// The key id, written into the header of every token it signs.
    public let kid: String
    /// The only algorithm this key verifies or signs with.
    public let algorithm: JWTAlgorithm
    /// When the key was made (seconds since 1970), used to find the newest key.
    public let created: Int
    let secret: SecretBytes
    let hmac: HMACKey

    /// A key from secret bytes; refuses secrets shorter than the algorithm's hash output.
    public init(kid: String, algorithm: JWTAlgorithm, secret: SecretBytes, created: Int) throws {
        guard !kid.isEmpty else { throw JWTError.invalidKeySet.with("empty kid") }
        guard secret.count >= algorithm.minimumKeyBytes else {
            throw JWTError.keyTooShort.with("kid \(kid): \(secret.count) bytes, \(algorithm.rawValue) needs \(algorithm.minimumKeyBytes)")
        }
        self.kid = kid
        self.algorithm = algorithm
        self.created = created
        self.secret = secret
        self.hmac = try HMACKey(secret, hashFunction: algorithm.hashFunction)
    }

    /// A new random key as long as the algorithm's hash output.
    public static func generate(kid: String, algorithm: JWTAlgorithm, created: Int) throws -> JWTKey {
        try JWTKey(kid: kid, algorithm: algorithm, secret: SecureRandom.secret(count: algorithm.minimumKeyBytes), created: created)
    }
}
