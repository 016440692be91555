import Configuration
import Foundation
import Logging
import SystemPackage
import TesseraAuth
import TesseraHTTP

/// The whole configuration of a Tessera process: its own top-level keys and the sections the
/// modules own (`token`, `password`, `auth`, `http`). Read in one order: flags, then `TESSERA_*`
/// environment variables, then the JSON file, then each module's defaults.
public struct TesseraConfiguration: ConfigurationSection {
    public static let section = ""
    public static let defaults: [String: ConfigValue] = [
        "issuer": "http://127.0.0.1:8080",
        "keys.file": "data/keys.json",
        "keys.publish_ahead_seconds": 600,
        "keys.jwks": .init(.string(""), isSecret: true),
        "store": "sqlite:data/tessera.db",
        "database.password": .init(.string(""), isSecret: true),
        "database.tls": "auto",
        "database.tls_ca_file": "",
        "revocation.poll_seconds": 1,
        "revocation.max_staleness_seconds": 30,
        "revocation.fail_open": false,
        "retention.ended_days": 30,
        "retention.audit_days": 90,
        "log.level": "info",
    ]

    /// The built-in default of every key of every section, under its absolute key.
    public static var allDefaults: [AbsoluteConfigKey: ConfigValue] {
        absoluteDefaults.merging(TokenConfiguration.absoluteDefaults) { a, _ in a }
            .merging(PasswordConfiguration.absoluteDefaults) { a, _ in a }
            .merging(AuthorizationConfiguration.absoluteDefaults) { a, _ in a }
            .merging(SessionConfiguration.absoluteDefaults) { a, _ in a }
            .merging(HTTPConfiguration.absoluteDefaults) { a, _ in a }
    }

    /// Environment variables whose values are secrets (never logged by the configuration reader).
    static let secretVariables: Set<String> = ["TESSERA_KEYS_JWKS", "TESSERA_DATABASE_PASSWORD"]

    /// The file read when neither `--config` nor `$TESSERA_CONFIG` names one (it may be missing).
    public static let defaultFile = "Config/tessera.json"

    /// `issuer`: `iss` of every token, and the public base URL (RFC 8414 §2).
    public var issuer: String
    /// `keys.file`: the JWK Set file (mode 0600).
    public var keysFile: String
    /// `keys.publish_ahead_seconds`: how long an asymmetric `next` key is published before
    /// `tessera keys rotate` lets it sign (default 600: the JWKS max-age, 300, plus margin).
    public var keysPublishAhead: Int
    /// `keys.jwks` (secret, environment only in practice): a JWK Set given inline; it takes
    /// precedence over `keysFile`.
    public var inlineJWKS: String?
    /// `store`: `sqlite:PATH` or `postgres://user@host:port/database`.
    public var store: String
    /// `database.password` (secret): the PostgreSQL password when the URL has none.
    public var databasePassword: String?
    /// `database.tls`: `disable`, `require`, `verify-full`, or `auto` (the default): `disable`
    /// for a loopback host, `verify-full` for any other.
    public var databaseTLS: String
    /// `database.tls_ca_file`: PEM certificates `verify-full` trusts (empty: the system's).
    public var databaseCAFile: String?
    /// `revocation.poll_seconds`: how often each instance reads revocations made elsewhere (1-60).
    public var revocationPollSeconds: Int
    /// `revocation.max_staleness_seconds`: with no successful poll for this long, `/readyz`
    /// fails and access tokens are refused with 503 (`poll_seconds`-3600).
    public var revocationMaximumStaleness: Int
    /// `revocation.fail_open`: keep accepting access tokens on a stale view instead (a token
    /// revoked on another instance may then be accepted here until the store returns).
    public var revocationFailOpen: Bool
    /// `retention.ended_days`: ended sessions and refresh tokens are deleted this many days
    /// after they end (1-3650).
    public var retentionEndedDays: Int
    /// `retention.audit_days`: audit events are deleted after this many days (1-3650).
    public var retentionAuditDays: Int
    /// `log.level`: the lowest level logged.
    public var logLevel: Logger.Level
    public var token: TokenConfiguration
    public var password: PasswordConfiguration
    public var authorization: AuthorizationConfiguration
    public var session: SessionConfiguration
    public var http: HTTPConfiguration

    /// The token service's rules: issuer, `token`, `auth`, `session`, `retention` and
    /// `password.min_length` keys.
    public var authPolicy: AuthPolicy {
        var policy = AuthPolicy(issuer: issuer, token: token, authorization: authorization, session: session)
        policy.endedRetention = Int64(retentionEndedDays) * 86400
        policy.auditRetention = Int64(retentionAuditDays) * 86400
        policy.minimumPasswordLength = password.minimumLength
        return policy
    }

    /// The policy `tessera serve` runs with: `authPolicy`, failing closed on a stale revocation
    /// view unless `revocation.fail_open`.
    public var servicePolicy: AuthPolicy {
        var policy = authPolicy
        policy.revocationMaximumStaleness = revocationFailOpen ? nil : Int64(revocationMaximumStaleness)
        return policy
    }

    public init(reader: ConfigReader) throws {
        issuer = try reader.requiredString(forKey: "issuer")
        keysFile = try reader.requiredString(forKey: "keys.file")
        keysPublishAhead = try reader.requiredInt(forKey: "keys.publish_ahead_seconds")
        try InvalidConfiguration.require((0...2_592_000).contains(keysPublishAhead), "keys.publish_ahead_seconds must be 0-2592000")
        let jwks = try reader.requiredString(forKey: "keys.jwks", isSecret: true)
        inlineJWKS = jwks.isEmpty ? nil : jwks
        store = try reader.requiredString(forKey: "store")
        let databasePassword = try reader.requiredString(forKey: "database.password", isSecret: true)
        self.databasePassword = databasePassword.isEmpty ? nil : databasePassword
        databaseTLS = try reader.requiredString(forKey: "database.tls")
        let caFile = try reader.requiredString(forKey: "database.tls_ca_file")
        databaseCAFile = caFile.isEmpty ? nil : caFile
        try InvalidConfiguration.require(
            ["auto", "disable", "require", "verify-full"].contains(databaseTLS), "database.tls must be auto, disable, require or verify-full")
        try InvalidConfiguration.require(
            databaseCAFile == nil || ["auto", "verify-full"].contains(databaseTLS),
            "database.tls_ca_file is used by verify-full only: with database.tls \(databaseTLS) it would be ignored")
        if let databaseCAFile {
            try InvalidConfiguration.require(FileManager.default.fileExists(atPath: databaseCAFile), "database.tls_ca_file \(databaseCAFile) does not exist")
        }
        revocationPollSeconds = try reader.requiredInt(forKey: "revocation.poll_seconds")
        revocationMaximumStaleness = try reader.requiredInt(forKey: "revocation.max_staleness_seconds")
        revocationFailOpen = try reader.requiredBool(forKey: "revocation.fail_open")
        retentionEndedDays = try reader.requiredInt(forKey: "retention.ended_days")
        retentionAuditDays = try reader.requiredInt(forKey: "retention.audit_days")
        try InvalidConfiguration.require(
            (1...3650).contains(retentionEndedDays) && (1...3650).contains(retentionAuditDays),
            "retention.ended_days and retention.audit_days must be 1-3650")
        let level = try reader.requiredString(forKey: "log.level")
        guard let logLevel = Logger.Level(rawValue: level) else {
            throw InvalidConfiguration("log.level must be trace, debug, info, notice, warning, error or critical")
        }
        self.logLevel = logLevel
        token = try TokenConfiguration(root: reader)
        password = try PasswordConfiguration(root: reader)
        authorization = try AuthorizationConfiguration(root: reader)
        session = try SessionConfiguration(root: reader)
        http = try HTTPConfiguration(root: reader)
        try InvalidConfiguration.require(!issuer.isEmpty, "issuer must not be empty")
        // A scope anyone could be granted would open the metrics to every user.
        try InvalidConfiguration.require(
            (try? Scope.parse(http.metricsScope)) == [http.metricsScope] && authorization.scopes.isRestricted(http.metricsScope),
            "http.metrics_scope must be one restricted scope (tessera:… or a scope auth.scope_roles maps), not \(http.metricsScope)")
        try InvalidConfiguration.require((1...60).contains(revocationPollSeconds), "revocation.poll_seconds must be 1-60")
        // Polls land whole seconds apart and may take a moment: leave room for one missed poll.
        try InvalidConfiguration.require(
            (2 * revocationPollSeconds + 2...3600).contains(revocationMaximumStaleness),
            "revocation.max_staleness_seconds must be between 2 × revocation.poll_seconds + 2 and 3600")
    }

    /// The configuration from `values` over the defaults, and nothing else (tests, embedding).
    public init(values: [AbsoluteConfigKey: ConfigValue]) throws {
        try self.init(
            reader: ConfigReader(providers: [
                InMemoryProvider(name: "values", values: values), InMemoryProvider(name: "defaults", values: Self.allDefaults),
            ]))
    }

    /// Loads the configuration: `overrides` (from flags), then `TESSERA_*` variables of
    /// `environment`, then the JSON file (`configFile`, else `$TESSERA_CONFIG`, else
    /// `Config/tessera.json` if present), then the defaults. A named file that cannot be read, a
    /// value of the wrong type and a value out of range are all `InvalidConfiguration`.
    public static func load(
        configFile: String?, overrides: [AbsoluteConfigKey: ConfigValue] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> TesseraConfiguration {
        let path = configFile ?? environment["TESSERA_CONFIG"] ?? defaultFile
        let explicit = configFile != nil || environment["TESSERA_CONFIG"] != nil
        let file: FileProvider<JSONSnapshot>
        do {
            file = try await FileProvider<JSONSnapshot>(filePath: FilePath(path), allowMissing: !explicit)
        } catch {
            throw InvalidConfiguration("cannot read config file \(path): \(error)")
        }
        let fileValues = ConfigReader(provider: file)
        for secret in ["keys.jwks", "database.password"] where fileValues.string(forKey: ConfigKey(secret), isSecret: true) != nil {
            throw InvalidConfiguration("\(secret) is a secret and is not read from \(path): set it in the environment (or keep keys in keys.file)")
        }
        if fileValues.stringArray(forKey: "auth.scope_roles") == nil, let data = FileManager.default.contents(atPath: path),
            let auth = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["auth"] as? [String: Any], auth["scope_roles"] != nil
        {
            // An object here would be read as nested keys and silently leave the default in force.
            throw InvalidConfiguration(#"auth.scope_roles in \#(path) must be a list of "scope=role" strings"#)
        }
        if let store = fileValues.string(forKey: "store"), URLComponents(string: store)?.password != nil {
            throw InvalidConfiguration("store in \(path) carries a password: set TESSERA_DATABASE_PASSWORD instead")
        }
        let variables = KeyMappingProvider(
            upstream: EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: .specific(secretVariables)),
            keyMapper: { $0.prepending(["tessera"]) })
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: overrides), variables, file, InMemoryProvider(name: "defaults", values: allDefaults),
        ])
        do {
            return try TesseraConfiguration(reader: reader)
        } catch let error as InvalidConfiguration {
            throw error
        } catch {
            throw InvalidConfiguration("invalid configuration: \(error)")
        }
    }
}
