import Configuration
import Foundation
import Logging
import SystemPackage
import TesseraCrypto
import TesseraJWT

/// Everything the CLI (and later the server) reads from configuration, resolved in one order:
/// command-line flags, then `TESSERA_*` environment variables, then the JSON config file
/// (`--config`, `$TESSERA_CONFIG`, or `Config/tessera.json` when present), then built-in defaults.
struct Settings {
    var issuer: String
    var keysFile: String
    /// A JWK Set given inline (`TESSERA_KEYS_JWKS`); takes precedence over `keysFile` for signing
    /// and verification.
    var inlineJWKS: String?
    var audiences: [String]
    var tokenType: String
    var tokenTTL: Int
    var maximumTokenTTL: Int
    var leeway: Int
    var maximumTokenBytes: Int
    var clientID: String
    var passwordHasher: PasswordHasher
    /// `sqlite:PATH` or `postgres://user@host:port/database`.
    var store: String
    /// The database password, when not in the store URL (`TESSERA_DATABASE_PASSWORD`).
    var databasePassword: String?
    /// Addresses `serve` binds.
    var httpHosts: [String]
    var httpPort: Int
    /// Origins allowed to call from browsers (exact match).
    var corsOrigins: [String]
    /// The public client `/v1/login` uses when the request names none.
    var loginClientID: String?
    var signupEnabled: Bool
    /// How often each instance polls the store for revocations made elsewhere.
    var revocationPollSeconds: Int
    var logLevel: String
    /// State-changing requests allowed per client IP: a burst, then a rate (0 turns it off).
    var rateLimitBurst: Int
    var rateLimitPerSecond: Int
    /// Event loop threads (0: one per core).
    var httpThreads: Int

    /// Built-in defaults: every key has one, so a missing key is never an error and a present
    /// key of the wrong type always is.
    static let defaults: [AbsoluteConfigKey: ConfigValue] = [
        "issuer": "http://127.0.0.1:8080",
        "keys.file": "data/keys.json",
        "keys.jwks": .init(.string(""), isSecret: true),
        "token.audience": .init(.stringArray(["tessera"]), isSecret: false),
        "token.type": "at+jwt",
        "token.ttl_seconds": 900,
        "token.max_ttl_seconds": 86400,
        "token.leeway_seconds": 60,
        "token.max_bytes": 8192,
        "token.client_id": "tessera-cli",
        "password.scheme": "scrypt",
        "password.scrypt_ln": 17,
        "password.scrypt_r": 8,
        "password.scrypt_p": 1,
        "password.pbkdf2_rounds": 600_000,
        "password.max_bytes": 1024,
        "store": "sqlite:data/tessera.db",
        "database.password": .init(.string(""), isSecret: true),
        "http.hosts": .init(.stringArray(["127.0.0.1"]), isSecret: false),
        "http.port": 8080,
        "http.cors_origins": .init(.stringArray([]), isSecret: false),
        "http.login_client_id": "",
        "http.signup": false,
        "revocation.poll_seconds": 1,
        "log.level": "info",
        "http.rate_limit_burst": 20,
        "http.rate_limit_per_second": 10,
        "http.threads": 0,
    ]

    static let defaultConfigFile = "Config/tessera.json"

    /// Loads settings; `configFile` and `overrides` come from flags.
    static func load(configFile: String?, overrides: [AbsoluteConfigKey: ConfigValue] = [:]) async throws -> Settings {
        let environment = ProcessInfo.processInfo.environment
        let path = configFile ?? environment["TESSERA_CONFIG"] ?? defaultConfigFile
        let explicit = configFile != nil || environment["TESSERA_CONFIG"] != nil
        let file: FileProvider<JSONSnapshot>
        do {
            file = try await FileProvider<JSONSnapshot>(filePath: FilePath(path), allowMissing: !explicit)
        } catch {
            throw CLIError.usage("cannot read config file \(path): \(error)")
        }
        let variables = KeyMappingProvider(
            upstream: EnvironmentVariablesProvider(secretsSpecifier: .specific(["TESSERA_KEYS_JWKS", "TESSERA_DATABASE_PASSWORD"])),
            keyMapper: { $0.prepending(["tessera"]) })
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: overrides),
            variables,
            file,
            InMemoryProvider(name: "defaults", values: defaults),
        ])
        return try asConfigurationError("invalid configuration") { try Settings(reader) }
    }

    private init(_ config: ConfigReader) throws {
        issuer = try config.requiredString(forKey: "issuer")
        keysFile = try config.requiredString(forKey: "keys.file")
        let jwks = try config.requiredString(forKey: "keys.jwks", isSecret: true)
        inlineJWKS = jwks.isEmpty ? nil : jwks
        audiences = try config.requiredStringArray(forKey: "token.audience")
        tokenType = try config.requiredString(forKey: "token.type")
        tokenTTL = try config.requiredInt(forKey: "token.ttl_seconds")
        maximumTokenTTL = try config.requiredInt(forKey: "token.max_ttl_seconds")
        leeway = try config.requiredInt(forKey: "token.leeway_seconds")
        maximumTokenBytes = try config.requiredInt(forKey: "token.max_bytes")
        clientID = try config.requiredString(forKey: "token.client_id")
        let schemeName = try config.requiredString(forKey: "password.scheme")
        guard let scheme = PasswordHasher.Scheme(rawValue: schemeName) else {
            throw CLIError.usage("password.scheme must be scrypt or pbkdf2-sha256, not \(schemeName)")
        }
        passwordHasher = PasswordHasher(
            scheme: scheme,
            scrypt: ScryptParameters(
                logN: try config.requiredInt(forKey: "password.scrypt_ln"),
                r: try config.requiredInt(forKey: "password.scrypt_r"),
                p: try config.requiredInt(forKey: "password.scrypt_p")),
            pbkdf2Rounds: try config.requiredInt(forKey: "password.pbkdf2_rounds"),
            maximumPasswordBytes: try config.requiredInt(forKey: "password.max_bytes"))
        store = try config.requiredString(forKey: "store")
        let databasePassword = try config.requiredString(forKey: "database.password", isSecret: true)
        self.databasePassword = databasePassword.isEmpty ? nil : databasePassword
        httpHosts = try config.requiredStringArray(forKey: "http.hosts")
        httpPort = try config.requiredInt(forKey: "http.port")
        corsOrigins = try config.requiredStringArray(forKey: "http.cors_origins")
        let login = try config.requiredString(forKey: "http.login_client_id")
        loginClientID = login.isEmpty ? nil : login
        signupEnabled = try config.requiredBool(forKey: "http.signup")
        revocationPollSeconds = try config.requiredInt(forKey: "revocation.poll_seconds")
        logLevel = try config.requiredString(forKey: "log.level")
        rateLimitBurst = try config.requiredInt(forKey: "http.rate_limit_burst")
        rateLimitPerSecond = try config.requiredInt(forKey: "http.rate_limit_per_second")
        httpThreads = try config.requiredInt(forKey: "http.threads")
        try validate()
    }

    private func validate() throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw CLIError.usage("invalid configuration: \(message)") }
        }
        try require(!issuer.isEmpty, "issuer must not be empty")
        try require(tokenTTL > 0 && maximumTokenTTL >= tokenTTL, "token.ttl_seconds must be positive and at most token.max_ttl_seconds")
        try require((0...300).contains(leeway), "token.leeway_seconds must be between 0 and 300")
        try require((256...65536).contains(maximumTokenBytes), "token.max_bytes must be between 256 and 65536")
        let scrypt = passwordHasher.scrypt
        try require((1...22).contains(scrypt.logN) && (1...32).contains(scrypt.r) && (1...16).contains(scrypt.p),
                    "password.scrypt_ln must be 1-22, scrypt_r 1-32, scrypt_p 1-16")
        try require((1...10_000_000).contains(passwordHasher.pbkdf2Rounds), "password.pbkdf2_rounds must be 1-10000000")
        try require((8...65536).contains(passwordHasher.maximumPasswordBytes), "password.max_bytes must be 8-65536")
        try require(!httpHosts.isEmpty, "http.hosts must name at least one address")
        try require((0...65535).contains(httpPort), "http.port must be 0-65535")
        try require((1...60).contains(revocationPollSeconds), "revocation.poll_seconds must be 1-60")
        try require((0...256).contains(httpThreads), "http.threads must be 0-256 (0: one per core)")
        try require(rateLimitBurst >= 1 && rateLimitPerSecond >= 0, "http.rate_limit_burst must be at least 1 and http.rate_limit_per_second at least 0")
        try require(Logger.Level(rawValue: logLevel) != nil, "log.level must be trace, debug, info, notice, warning, error or critical")
    }

    /// The key ring: the inline JWK Set if given, else the key file.
    func loadKeyRing() throws -> JWTKeyRing {
        try asConfigurationError("cannot load keys") {
            if let inlineJWKS { return try JWTKeyRing(jwks: Array(inlineJWKS.utf8)) }
            guard FileManager.default.fileExists(atPath: keysFile) else {
                throw CLIError.usage("no key ring at \(keysFile); create one with `tessera keys generate`")
            }
            return try JWTKeyRing(contentsOfFile: keysFile)
        }
    }
}
