import Configuration
import Foundation
import Logging
import NIOHTTP1
import TesseraAuth
import TesseraCrypto
import TesseraHTTP
import TesseraJWT
import TesseraServer
import Testing

/// Settings reach the running service: each key that `tessera serve` once dropped changes what
/// `/v1/verify` accepts, with a control showing the default behaves the other way.
@Suite("Configuration: every key reaches the server")
struct ConfigurationTests {
    /// A token from the harness's issuer and key, with `extra` claims and header `typ`.
    static func token(expiresIn: Double = 300, type: String = "at+jwt", extra: [String: JSONValue] = [:]) throws -> String {
        var claims = JWTClaims()
        claims["iss"] = .string("https://auth.test")
        claims["sub"] = .string("user-1")
        claims["aud"] = .string("api")
        claims["client_id"] = .string("web")
        claims["jti"] = .string("j1")
        claims["iat"] = .int(Int(AppHarness.now) - 600)
        claims["exp"] = .int(Int(AppHarness.now + expiresIn))
        for (name, value) in extra { claims[name] = value }
        return try JWTSigner(keyRing: AppHarness.keyRing, type: type).sign(claims)
    }

    static func verify(_ h: AppHarness, _ token: String) async -> HTTPResponseStatus {
        await h.send(.GET, "/v1/verify", headers: [("Authorization", "Bearer \(token)")]).status
    }

    @Test("token.leeway_seconds=0: a token expired 30 s ago is refused (the default 60 s accepts it)")
    func leeway() async throws {
        let expired = try Self.token(expiresIn: -30)
        try await withApp([:]) { h in #expect(await Self.verify(h, expired) == .ok) }
        try await withApp(["token.leeway_seconds": 0]) { h in #expect(await Self.verify(h, expired) == .unauthorized) }
    }

    @Test("token.type: the server signs and requires the configured typ, and refuses at+jwt")
    func tokenType() async throws {
        try await withApp(["token.type": "example+jwt"]) { h in
            let custom = try Self.token(type: "example+jwt")
            let standard = try Self.token(type: "at+jwt")
            #expect(await Self.verify(h, custom) == .ok)
            #expect(await Self.verify(h, standard) == .unauthorized)
            _ = try await h.seed()
            let issued = try #require(try await h.passwordLogin()["access_token"]?.stringValue)
            let headerBytes = try #require(Base64URL.decode(issued.split(separator: ".")[0]))
            let header = try #require(JSONValue(parsing: headerBytes)?.objectValue)
            #expect(header["typ"] == .string("example+jwt"))
            #expect(await Self.verify(h, issued) == .ok)
        }
    }

    @Test("token.max_bytes: a token longer than the limit is refused before parsing (the default accepts it)")
    func maximumBytes() async throws {
        let long = try Self.token(extra: ["pad": .string(String(repeating: "x", count: 600))])
        #expect(long.utf8.count > 512)
        try await withApp([:]) { h in #expect(await Self.verify(h, long) == .ok) }
        try await withApp(["token.max_bytes": 512]) { h in
            let short = try Self.token()
            #expect(await Self.verify(h, long) == .unauthorized)
            #expect(await Self.verify(h, short) == .ok)
        }
    }

    @Test("token.ttl_seconds: issued access tokens live as long as configured")
    func accessTokenLifetime() async throws {
        try await withApp(["token.ttl_seconds": 120]) { h in
            _ = try await h.seed()
            #expect(try await h.passwordLogin()["expires_in"] == .int(120))
        }
    }

    @Test("http.signup and http.rate_limit_per_second reach the application")
    func httpSection() async throws {
        let body = #"{"username":"bob","password":"long enough password"}"#
        let json = [("Content-Type", "application/json")]
        try await withApp([:]) { h in #expect(await h.send(.POST, "/v1/signup", headers: json, body: body).status == .notFound) }
        try await withApp(["http.signup": true]) { h in #expect(await h.send(.POST, "/v1/signup", headers: json, body: body).status == .created) }
        try await withApp(["http.rate_limit_burst": 1]) { h in
            #expect(await h.send(.POST, "/v1/signup").status != .tooManyRequests)
            #expect(await h.send(.POST, "/v1/signup").status == .tooManyRequests)
        }
        try await withApp(["http.rate_limit_burst": 1, "http.rate_limit_per_second": 0]) { h in
            for _ in 0..<3 { #expect(await h.send(.POST, "/v1/signup").status != .tooManyRequests) }
        }
    }

    /// Config/tessera.json, flattened to dotted keys.
    static func shippedFile() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Config/tessera.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var flat: [String: Any] = [:]
        func walk(_ object: [String: Any], _ prefix: String) {
            for (key, value) in object {
                if let nested = value as? [String: Any] { walk(nested, prefix + key + ".") } else { flat[prefix + key] = value }
            }
        }
        walk(root, "")
        return flat
    }

    @Test("Config/tessera.json lists every key that has a default, secrets aside, with that default")
    func shippedFileMatchesDefaults() throws {
        let file = try Self.shippedFile()
        let secrets: Set = ["keys.jwks", "database.password"]
        let defaults = Set(TesseraConfiguration.allDefaults.keys.map { $0.components.joined(separator: ".") })
        #expect(Set(file.keys) == defaults.subtracting(secrets))
        let parsed = try TesseraConfiguration(values: [:])
        #expect(file["token.leeway_seconds"] as? Int == parsed.token.leewaySeconds)
        #expect(file["http.port"] as? Int == parsed.http.server.port)
    }

    /// Every key of Config/tessera.json set to a value other than its default, and where it shows.
    static let nonDefaults: [(String, ConfigValue, @Sendable (TesseraConfiguration) -> Bool)] = [
        ("issuer", "https://id.example", { $0.issuer == "https://id.example" }),
        ("keys.file", "other/keys.json", { $0.keysFile == "other/keys.json" }),
        ("keys.publish_ahead_seconds", 60, { $0.keysPublishAhead == 60 }),
        ("token.audience", .init(.stringArray(["a", "b"]), isSecret: false), { $0.token.audiences == ["a", "b"] }),
        ("token.type", "example+jwt", { $0.token.type == "example+jwt" }),
        ("token.ttl_seconds", 60, { $0.token.ttlSeconds == 60 }),
        ("token.max_ttl_seconds", 3600, { $0.token.maximumTTLSeconds == 3600 }),
        ("token.leeway_seconds", 0, { $0.token.leewaySeconds == 0 }),
        ("token.max_bytes", 4096, { $0.token.maximumBytes == 4096 }),
        ("token.client_id", "ops", { $0.token.cliClientID == "ops" }),
        ("password.scheme", "pbkdf2-sha256", { $0.password.hasher.scheme == .pbkdf2SHA256 }),
        ("password.scrypt_ln", 18, { $0.password.hasher.scrypt.logN == 18 }),
        ("password.scrypt_r", 16, { $0.password.hasher.scrypt.r == 16 }),
        ("password.scrypt_p", 2, { $0.password.hasher.scrypt.p == 2 }),
        ("password.pbkdf2_rounds", 700_000, { $0.password.hasher.pbkdf2Rounds == 700_000 }),
        ("password.max_bytes", 512, { $0.password.hasher.maximumPasswordBytes == 512 }),
        ("password.min_length", 20, { $0.password.minimumLength == 20 && $0.authPolicy.minimumPasswordLength == 20 }),
        ("password.allow_weak_cost", true, { $0.password.allowsWeakCost }),
        ("http.metrics_address", "[::1]:9464", { $0.http.metricsListener?.hosts == ["::1"] && $0.http.metricsListener?.port == 9464 }),
        ("http.metrics_scope", "tessera:scrape", { $0.http.metricsScope == "tessera:scrape" }),
        ("http.access_log", "json", { $0.http.accessLog == .json }),
        (
            "auth.scope_roles", .init(.stringArray(["tessera:admin=root", "billing:write=billing"]), isSecret: false),
            { $0.authorization.scopes.requiredRoles == ["tessera:admin": "root", "billing:write": "billing"] }
        ),
        ("database.tls", "require", { $0.databaseTLS == "require" }),
        ("database.tls_ca_file", "/dev/null", { $0.databaseCAFile == "/dev/null" }),
        ("session.refresh_idle_seconds", 3600, { $0.authPolicy.sessionIdleTimeout == 3600 && $0.authPolicy.refreshTokenTTL == 3600 }),
        ("session.refresh_absolute_seconds", 1_000_000, { $0.authPolicy.sessionAbsoluteTimeout == 1_000_000 }),
        ("session.cookie_idle_seconds", 600, { $0.authPolicy.cookieSessionIdleTimeout == 600 }),
        ("session.cookie_absolute_seconds", 86400, { $0.authPolicy.cookieSessionAbsoluteTimeout == 86400 }),
        ("store", "postgres://tessera@db/tessera", { $0.store == "postgres://tessera@db/tessera" }),
        ("http.hosts", .init(.stringArray(["::1"]), isSecret: false), { $0.http.server.hosts == ["::1"] }),
        ("http.port", 9090, { $0.http.server.port == 9090 }),
        ("http.threads", 2, { $0.http.threads == 2 }),
        ("http.cors_origins", .init(.stringArray(["https://app.example"]), isSecret: false), { $0.http.corsOrigins == ["https://app.example"] }),
        ("http.login_client_id", "web", { $0.http.loginClientID == "web" }),
        ("http.signup", true, { $0.http.signupEnabled }),
        ("http.rate_limit_burst", 5, { $0.http.rateLimitBurst == 5 }),
        ("http.rate_limit_per_second", 0, { $0.http.rateLimitPerSecond == 0 }),
        (
            "http.trusted_proxies", .init(.stringArray(["10.0.0.0/8", "::1"]), isSecret: false),
            { $0.http.trustedProxies.map(\.description) == ["10.0.0.0/8", "::1/128"] }
        ),
        ("http.forwarded_header", "forwarded", { $0.http.forwardedHeader == .forwarded }),
        ("http.max_connections_per_ip", 8, { $0.http.server.maximumConnectionsPerAddress == 8 }),
        ("http.client_rate_limit_burst", 50, { $0.http.clientRateLimitBurst == 50 }),
        ("http.client_rate_limit_per_second", 0, { $0.http.clientRateLimitPerSecond == 0 }),
        ("revocation.poll_seconds", 5, { $0.revocationPollSeconds == 5 }),
        ("revocation.max_staleness_seconds", 60, { $0.revocationMaximumStaleness == 60 }),
        ("retention.ended_days", 7, { $0.authPolicy.endedRetention == 7 * 86400 }),
        ("retention.audit_days", 365, { $0.authPolicy.auditRetention == 365 * 86400 }),
        ("revocation.fail_open", true, { $0.revocationFailOpen && $0.servicePolicy.revocationMaximumStaleness == nil }),
        ("log.level", "debug", { $0.logLevel == .debug }),
    ]

    @Test("every key of Config/tessera.json, set to a non-default value, is read", arguments: 0..<nonDefaults.count)
    func everyKeyIsRead(_ index: Int) throws {
        let (key, value, observed) = Self.nonDefaults[index]
        #expect(!observed(try TesseraConfiguration(values: [:])), "\(key): the default already satisfies the check")
        #expect(observed(try TesseraConfiguration(values: [AbsoluteConfigKey(ConfigKey(key)): value])), "\(key) was not read")
    }

    @Test("the table covers every key of Config/tessera.json")
    func tableIsComplete() throws {
        #expect(Set(Self.nonDefaults.map(\.0)) == Set(try Self.shippedFile().keys))
    }

    @Test("a value of the wrong type is an error, never a silent default")
    func wrongType() {
        #expect(throws: (any Error).self) { try TesseraConfiguration(values: ["token.leeway_seconds": "sixty"]) }
        #expect(throws: InvalidConfiguration.self) { try TesseraConfiguration(values: ["token.leeway_seconds": 301]) }
        // Combinations that would silently not do what they say.
        #expect(throws: InvalidConfiguration.self) { try TesseraConfiguration(values: ["database.tls": "require", "database.tls_ca_file": "/dev/null"]) }
        #expect(throws: InvalidConfiguration.self) {
            try TesseraConfiguration(values: ["revocation.poll_seconds": 10, "revocation.max_staleness_seconds": 21])
        }
        #expect(throws: Never.self) { try TesseraConfiguration(values: ["revocation.poll_seconds": 10, "revocation.max_staleness_seconds": 22]) }
    }

    @Test(
        "hashing costs below the OWASP minimums are refused unless password.allow_weak_cost",
        arguments: [("password.scrypt_ln", 16), ("password.scrypt_r", 7), ("password.pbkdf2_rounds", 599_999)] as [(String, Int)])
    func weakCostRefused(_ key: String, _ value: Int) {
        let weak: [AbsoluteConfigKey: ConfigValue] = [AbsoluteConfigKey(ConfigKey(key)): .init(.int(value), isSecret: false)]
        #expect(throws: InvalidConfiguration.self) { try TesseraConfiguration(values: weak) }
        #expect(throws: Never.self) { try TesseraConfiguration(values: weak.merging(["password.allow_weak_cost": true]) { $1 }) }
    }

    @Test("password.min_length is 8-128 and no more than password.max_bytes", arguments: [7, 129])
    func minimumLengthRange(_ length: Int) {
        #expect(throws: InvalidConfiguration.self) { try TesseraConfiguration(values: ["password.min_length": .init(.int(length), isSecret: false)]) }
        #expect(throws: InvalidConfiguration.self) { try TesseraConfiguration(values: ["password.min_length": 100, "password.max_bytes": 256]) }
        // NIST SP 800-63B-4: at least 64 characters must be allowed (256 bytes / 4).
        #expect(throws: InvalidConfiguration.self) { try TesseraConfiguration(values: ["password.max_bytes": 255]) }
    }

    @Test(
        "http.metrics_address is an IP address and a port; http.metrics_scope one restricted scope",
        arguments: [
            ("http.metrics_address", "127.0.0.1"), ("http.metrics_address", "localhost:9464"), ("http.metrics_address", "::1:9464"),
            ("http.metrics_address", "[::1]"), ("http.metrics_address", "127.0.0.1:65536"), ("http.metrics_address", "[::1]:x"),
            ("http.metrics_address", "127.0.0.1:+80"), ("http.metrics_address", "0.0.0.0:9464"), ("http.metrics_address", "[::]:9464"),
            ("http.metrics_address", "[::ffff:0.0.0.0]:9464"), ("http.metrics_address", "127.0.0.1:0"),
            ("http.metrics_scope", "read"), ("http.metrics_scope", "tessera:a tessera:b"), ("http.metrics_scope", "tessera:\tmetrics"),
            ("http.metrics_scope", ""),
        ])
    func metricsExposureRefusals(_ key: String, _ value: String) {
        #expect(throws: InvalidConfiguration.self) {
            try TesseraConfiguration(values: [AbsoluteConfigKey(ConfigKey(key)): .init(.string(value), isSecret: false)])
        }
    }

    @Test("a scope auth.scope_roles maps to a role may guard the metrics")
    func mappedMetricsScope() throws {
        let configuration = try TesseraConfiguration(values: [
            "http.metrics_scope": "ops:metrics", "auth.scope_roles": .init(.stringArray(["tessera:admin=admin", "ops:metrics=ops"]), isSecret: false),
        ])
        #expect(configuration.http.metricsScope == "ops:metrics")
    }

    @Test("auth.scope_roles entries are scope=role, each scope once", arguments: ["admin", "tessera:admin=", "=admin", "a b=admin", "x=Admin", "x=a=b"])
    func malformedScopeRoles(_ entry: String) {
        #expect(throws: InvalidConfiguration.self) {
            try TesseraConfiguration(values: ["auth.scope_roles": .init(.stringArray([entry]), isSecret: false)])
        }
        #expect(throws: InvalidConfiguration.self) {
            try TesseraConfiguration(values: ["auth.scope_roles": .init(.stringArray(["x=a", "x=b"]), isSecret: false)])
        }
    }
}
