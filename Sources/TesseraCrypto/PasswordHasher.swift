/// Hashes and verifies passwords under one policy.
///
/// The defaults meet the OWASP Password Storage Cheat Sheet minimums: scrypt N=2^17, r=8, p=1,
/// or PBKDF2-HMAC-SHA256 with 600,000 rounds; 16-byte random salts and 32-byte hashes.
/// Passwords are taken as their UTF-8 bytes, unchanged, exactly as passlib does.
public struct PasswordHasher: Sendable {
    /// Which scheme new hashes use.
    public enum Scheme: String, Sendable, CaseIterable {
        case scrypt
        case pbkdf2SHA256 = "pbkdf2-sha256"
    }

    /// The scheme for new hashes.
    public var scheme: Scheme
    /// scrypt cost for new hashes, and the minimum below which `needsRehash` answers true.
    public var scrypt: ScryptParameters
    /// PBKDF2 rounds for new hashes, and the minimum below which `needsRehash` answers true.
    public var pbkdf2Rounds: Int
    /// Longest password accepted, in UTF-8 bytes; longer ones are refused before hashing.
    public var maximumPasswordBytes: Int

    static let saltLength = 16
    static let hashLength = 32

    /// A hasher with the given policy; every argument defaults to the OWASP minimum.
    public init(
        scheme: Scheme = .scrypt,
        scrypt: ScryptParameters = ScryptParameters(logN: 17, r: 8, p: 1),
        pbkdf2Rounds: Int = 600_000,
        maximumPasswordBytes: Int = 1024
    ) {
        self.scheme = scheme
        self.scrypt = scrypt
        self.pbkdf2Rounds = pbkdf2Rounds
        self.maximumPasswordBytes = maximumPasswordBytes
    }

    /// A new PHC string for `password` with a fresh random salt.
    public func hash(_ password: String) throws -> String {
        try withPasswordBytes(password) { bytes in
            let salt = try SecureRandom.bytes(count: Self.saltLength)
            let stored: PasswordHash =
                switch scheme {
                case .scrypt:
                    .scrypt(scrypt, salt: salt, hash: try derive(bytes, like: .scrypt(scrypt, salt: salt, hash: [])))
                case .pbkdf2SHA256:
                    .pbkdf2SHA256(
                        rounds: pbkdf2Rounds, salt: salt,
                        hash: try derive(bytes, like: .pbkdf2SHA256(rounds: pbkdf2Rounds, salt: salt, hash: [])))
                }
            return stored.phcString
        }
    }

    /// Whether `password` matches the stored PHC string, compared in constant time. Throws for an
    /// unparsable hash or an over-long password rather than answering false.
    public func verify(_ password: String, against phc: String) throws -> Bool {
        let stored = try PasswordHash(phc: phc)
        return try withPasswordBytes(password) { bytes in
            var candidate = try derive(bytes, like: stored)
            defer { ConstantTime.wipe(&candidate) }
            return ConstantTime.equals(candidate, stored.hash)
        }
    }

    /// Whether a stored hash is weaker than this policy (other scheme, lower cost, short salt or
    /// hash) and should be replaced after the next successful login. Unparsable hashes need it too.
    public func needsRehash(_ phc: String) -> Bool {
        guard let stored = try? PasswordHash(phc: phc) else { return true }
        guard stored.salt.count >= Self.saltLength, stored.hash.count >= Self.hashLength else { return true }
        switch (scheme, stored) {
        case let (.scrypt, .scrypt(parameters, _, _)): return !parameters.isAtLeast(scrypt)
        case let (.pbkdf2SHA256, .pbkdf2SHA256(rounds, _, _)): return rounds < pbkdf2Rounds
        default: return true
        }
    }

    /// Derives a hash of the same scheme, parameters, salt and length as `stored`.
    private func derive(_ password: UnsafeRawBufferPointer, like stored: PasswordHash) throws -> [UInt8] {
        let length = stored.hash.isEmpty ? Self.hashLength : stored.hash.count
        return try stored.salt.withUnsafeBytes { salt in
            switch stored {
            case let .scrypt(parameters, _, _):
                try KDF.scrypt(
                    password: password, salt: salt, n: 1 << UInt64(parameters.logN),
                    r: UInt32(clamping: parameters.r), p: UInt32(clamping: parameters.p), length: length)
            case let .pbkdf2SHA256(rounds, _, _):
                try KDF.pbkdf2(
                    password: password, salt: salt, hashFunction: .sha256,
                    iterations: UInt64(rounds), length: length)
            }
        }
    }

    private func withPasswordBytes<R>(
        _ password: String, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        guard password.utf8.count <= maximumPasswordBytes else { throw CryptoError.passwordTooLong }
        var bytes = Array(password.utf8)
        defer { ConstantTime.wipe(&bytes) }
        return try bytes.withUnsafeBytes { buffer in try body(buffer) }
    }
}
