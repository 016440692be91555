import TesseraCrypto

/// One signing key: its `kid`, its pinned algorithm, and its prepared material — an HMAC secret
/// or an asymmetric key (private to sign, public to verify only).
public struct JWTKey: Sendable {
    /// The key id, written into the header of every token it signs.
    public let kid: String
    /// The only algorithm this key verifies or signs with.
    public let algorithm: JWTAlgorithm
    /// When the key was made (seconds since 1970), used to find the newest key.
    public let created: Int
    let material: Material

    enum Material: Sendable {
        case secret(SecretBytes, HMACKey)
        /// The key and its public JWK members (raw bytes), exported once.
        case asymmetric(AsymmetricKey, publicMembers: [String: [UInt8]])
    }

    /// An HMAC key from secret bytes; refuses secrets shorter than the algorithm's hash output.
    public init(kid: String, algorithm: JWTAlgorithm, secret: SecretBytes, created: Int) throws {
        guard let hash = algorithm.hmacHash else { throw JWTError.invalidKeySet.with("kid \(kid): \(algorithm.rawValue) is not an HMAC algorithm") }
        guard secret.count >= algorithm.minimumKeyBytes else {
            throw JWTError.keyTooShort.with("kid \(kid): \(secret.count) bytes, \(algorithm.rawValue) needs \(algorithm.minimumKeyBytes)")
        }
        try self.init(kid: kid, algorithm: algorithm, material: .secret(secret, try HMACKey(secret, hashFunction: hash)), created: created)
    }

    /// An asymmetric key for `algorithm`, whose key type it must be (ES256 a P-256 key…).
    public init(kid: String, algorithm: JWTAlgorithm, key: AsymmetricKey, created: Int) throws {
        guard let scheme = algorithm.signatureScheme else { throw JWTError.invalidKeySet.with("kid \(kid): \(algorithm.rawValue) needs a secret") }
        guard scheme.keyType == key.type else { throw JWTError.invalidKeySet.with("kid \(kid): \(algorithm.rawValue) needs a \(scheme.keyType) key") }
        try self.init(kid: kid, algorithm: algorithm, material: .asymmetric(key, publicMembers: try key.publicComponents()), created: created)
    }

    private init(kid: String, algorithm: JWTAlgorithm, material: Material, created: Int) throws {
        guard !kid.isEmpty else { throw JWTError.invalidKeySet.with("empty kid") }
        self.kid = kid
        self.algorithm = algorithm
        self.created = created
        self.material = material
    }

    /// A new random key: an HMAC secret as long as the hash output, or a new asymmetric key
    /// pair (RSA: 2048 bits).
    public static func generate(kid: String, algorithm: JWTAlgorithm, created: Int) throws -> JWTKey {
        if let scheme = algorithm.signatureScheme {
            return try JWTKey(kid: kid, algorithm: algorithm, key: try AsymmetricKey.generate(scheme.keyType), created: created)
        }
        return try JWTKey(kid: kid, algorithm: algorithm, secret: SecureRandom.secret(count: algorithm.minimumKeyBytes), created: created)
    }

    /// Whether the key can sign: an HMAC secret or a private asymmetric key.
    public var canSign: Bool {
        switch material {
        case .secret: true
        case let .asymmetric(key, _): key.isPrivate
        }
    }

    /// The asymmetric key, for publication; nil for an HMAC secret, which is never published.
    public var asymmetricKey: AsymmetricKey? {
        if case let .asymmetric(key, _) = material { return key }
        return nil
    }

    /// The longest signature this key produces or accepts, in bytes.
    var maximumSignatureBytes: Int {
        switch material {
        case let .secret(_, hmac): hmac.macSize
        case let .asymmetric(key, _):
            switch key.type {
            case let .ec(curve): 2 * curve.coordinateBytes
            case .ed25519: 64
            case .rsa: (key.bits + 7) / 8
            }
        }
    }

    /// Whether `signature` signs `signingInput` under this key: constant-time for an HMAC.
    func isValidSignature(_ signature: UnsafeRawBufferPointer, for signingInput: UnsafeRawBufferPointer) -> Bool {
        switch material {
        case let .secret(_, hmac): hmac.isValidAuthenticationCode(signature, for: signingInput)
        case let .asymmetric(key, _): key.isValidSignature(signature, for: signingInput, scheme: algorithm.signatureScheme!)
        }
    }
}
