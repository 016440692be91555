import Configuration
import TesseraJWT

/// The `token` section: what the access tokens Tessera signs look like, and how strictly every
/// verifier (the server's and `tessera token verify`) checks them.
public struct TokenConfiguration: ConfigurationSection, Equatable {
    public static let section = "token"
    public static let defaults: [String: ConfigValue] = [
        "audience": .init(.stringArray(["tessera"]), isSecret: false),
        "type": "at+jwt",
        "ttl_seconds": 900,
        "max_ttl_seconds": 86400,
        "leeway_seconds": 60,
        "max_bytes": 8192,
        "client_id": "tessera-cli",
    ]

    /// `token.audience`: `aud` of tokens for clients that name none, and what verifiers accept.
    public var audiences: [String]
    /// `token.type`: the header `typ` written and required (RFC 9068 §2.1: `at+jwt`).
    public var type: String
    /// `token.ttl_seconds`: access token lifetime.
    public var ttlSeconds: Int
    /// `token.max_ttl_seconds`: the longest lifetime `tessera token mint --ttl` may ask for.
    public var maximumTTLSeconds: Int
    /// `token.leeway_seconds`: clock skew allowed on `exp`, `nbf` and `iat` (0-300).
    public var leewaySeconds: Int
    /// `token.max_bytes`: longer tokens are refused before any parsing (256-65536).
    public var maximumBytes: Int
    /// `token.client_id`: the `client_id` claim of tokens minted by the CLI.
    public var cliClientID: String

    public init(reader: ConfigReader) throws {
        audiences = try reader.requiredStringArray(forKey: "audience")
        type = try reader.requiredString(forKey: "type")
        ttlSeconds = try reader.requiredInt(forKey: "ttl_seconds")
        maximumTTLSeconds = try reader.requiredInt(forKey: "max_ttl_seconds")
        leewaySeconds = try reader.requiredInt(forKey: "leeway_seconds")
        maximumBytes = try reader.requiredInt(forKey: "max_bytes")
        cliClientID = try reader.requiredString(forKey: "client_id")
        try InvalidConfiguration.require(!audiences.isEmpty, "token.audience must name at least one audience")
        try InvalidConfiguration.require(!type.isEmpty, "token.type must not be empty")
        try InvalidConfiguration.require(
            ttlSeconds > 0 && maximumTTLSeconds >= ttlSeconds,
            "token.ttl_seconds must be positive and at most token.max_ttl_seconds")
        try InvalidConfiguration.require((0...300).contains(leewaySeconds), "token.leeway_seconds must be between 0 and 300")
        try InvalidConfiguration.require((256...65536).contains(maximumBytes), "token.max_bytes must be between 256 and 65536")
    }

    /// The verifier options these settings call for, for access tokens from `issuer` (the RFC
    /// 9068 profile included; clear `maximumAccessTokenLifetime` for plain JWTs).
    public func validationOptions(issuer: String, clock: JWTClock = .system) -> JWTValidationOptions {
        var options = JWTValidationOptions()
        options.issuer = issuer
        options.audiences = Set(audiences)
        options.expectedType = type
        options.leeway = Double(leewaySeconds)
        options.maximumTokenBytes = maximumBytes
        options.clock = clock
        options.maximumAccessTokenLifetime = Double(maximumTTLSeconds)
        return options
    }
}
