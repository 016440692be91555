import Configuration
import TesseraCrypto

/// The `password` section: how new password hashes are made, and the cost below which a stored
/// hash is upgraded at the next login.
public struct PasswordConfiguration: ConfigurationSection {
    public static let section = "password"
    public static let defaults: [String: ConfigValue] = [
        "scheme": "scrypt",
        "scrypt_ln": 17,
        "scrypt_r": 8,
        "scrypt_p": 1,
        "pbkdf2_rounds": 600_000,
        "max_bytes": 1024,
    ]

    /// The hasher: `password.scheme` (`scrypt` or `pbkdf2-sha256`), `password.scrypt_ln` (log2 N,
    /// 1-22), `password.scrypt_r` (1-32), `password.scrypt_p` (1-16), `password.pbkdf2_rounds`
    /// (1-10,000,000) and `password.max_bytes` (8-65536, longer passwords are refused unhashed).
    public var hasher: PasswordHasher

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
        try InvalidConfiguration.require((8...65536).contains(hasher.maximumPasswordBytes), "password.max_bytes must be 8-65536")
    }
}
