import Configuration
import TesseraCrypto

/// The `password` section: how new password hashes are made, the cost below which a stored
/// hash is upgraded at the next login, and the shortest new password.
public struct PasswordConfiguration: ConfigurationSection {
    public static let section = "password"
    public static let defaults: [String: ConfigValue] = [
        "scheme": "scrypt",
        "scrypt_ln": 17,
        "scrypt_r": 8,
        "scrypt_p": 1,
        "pbkdf2_rounds": 600_000,
        "max_bytes": 1024,
        "min_length": 15,
        "allow_weak_cost": false,
    ]

    /// The OWASP Password Storage Cheat Sheet minimums: scrypt N = 2^17 with r = 8, and
    /// PBKDF2-HMAC-SHA256 with 600,000 iterations.
    public static let minimumScrypt = ScryptParameters(logN: 17, r: 8, p: 1)
    public static let minimumPBKDF2Rounds = 600_000

    /// The hasher: `password.scheme` (`scrypt` or `pbkdf2-sha256`), `password.scrypt_ln` (log2 N,
    /// 1-22), `password.scrypt_r` (1-32), `password.scrypt_p` (1-16), `password.pbkdf2_rounds`
    /// (1-10,000,000) and `password.max_bytes` (256-65536: longer passwords are refused unhashed, new ones may have a quarter as many characters).
    public var hasher: PasswordHasher
    /// `password.min_length` (8-128 characters, at most `max_bytes` / 4): the shortest new password.
    public var minimumLength: Int
    /// `password.allow_weak_cost`: costs below the OWASP minimums are accepted (for tests only;
    /// `tessera serve` logs a warning when it is set).
    public var allowsWeakCost: Bool

    public init(reader: ConfigReader) throws {
        let schemeName = try reader.requiredString(forKey: "scheme")
        guard let scheme = PasswordHasher.Scheme(rawValue: schemeName) else {
            throw InvalidConfiguration("password.scheme must be scrypt or pbkdf2-sha256, not \(schemeName)")
        }
        hasher = PasswordHasher(
            scheme: scheme,
            scrypt: ScryptParameters(
                logN: try reader.requiredInt(forKey: "scrypt_ln"),
                r: try reader.requiredInt(forKey: "scrypt_r"),
                p: try reader.requiredInt(forKey: "scrypt_p")),
            pbkdf2Rounds: try reader.requiredInt(forKey: "pbkdf2_rounds"),
            maximumPasswordBytes: try reader.requiredInt(forKey: "max_bytes"))
        let scrypt = hasher.scrypt
        try InvalidConfiguration.require(
            (1...22).contains(scrypt.logN) && (1...32).contains(scrypt.r) && (1...16).contains(scrypt.p),
            "password.scrypt_ln must be 1-22, scrypt_r 1-32, scrypt_p 1-16")
        try InvalidConfiguration.require((1...10_000_000).contains(hasher.pbkdf2Rounds), "password.pbkdf2_rounds must be 1-10000000")
        // New passwords may have max_bytes / 4 characters; NIST SP 800-63B-4 asks verifiers to
        // permit at least 64.
        try InvalidConfiguration.require((256...65536).contains(hasher.maximumPasswordBytes), "password.max_bytes must be 256-65536")
        minimumLength = try reader.requiredInt(forKey: "min_length")
        try InvalidConfiguration.require(
            (8...128).contains(minimumLength) && minimumLength <= hasher.maximumPasswordBytes / 4,
            "password.min_length must be 8-128 and at most password.max_bytes / 4")
        allowsWeakCost = try reader.requiredBool(forKey: "allow_weak_cost")
        let minimum = Self.minimumScrypt
        try InvalidConfiguration.require(
            allowsWeakCost || (scrypt.logN >= minimum.logN && scrypt.r >= minimum.r),
            "password.scrypt_ln \(scrypt.logN) with scrypt_r \(scrypt.r) is below the OWASP minimum (ln 17, r 8); set password.allow_weak_cost only for tests")
        try InvalidConfiguration.require(
            allowsWeakCost || hasher.pbkdf2Rounds >= Self.minimumPBKDF2Rounds,
            "password.pbkdf2_rounds \(hasher.pbkdf2Rounds) is below the OWASP minimum (600000); set password.allow_weak_cost only for tests")
    }
}
