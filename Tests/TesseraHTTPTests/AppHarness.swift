import Configuration
import Foundation
import Logging
import NIOHTTP1
import Prometheus
import Synchronization
import TesseraAuth
import TesseraCrypto
import TesseraHTTP
import TesseraJWT
import TesseraServer
import Testing

/// The application `tessera serve` runs, built by the same composition root
/// (`TesseraServer.build`) over a temporary SQLite store, with a fixed clock and a cheap password
/// hash; driven without sockets.
struct AppHarness: Sendable {
    let server: TesseraServer
    let directory: URL
    var app: HTTPApplication { server.application }
    var tokens: TokenService { server.tokens }
    var accounts: AccountService { server.accounts }
    var store: any AuthStore { server.store }

    static let password = "correct horse battery staple"
    static let now: Double = 1_767_225_600
    /// The signing key of every harness (`kid` k1), so tests can sign tokens of their own.
    static let keyRing = try! JWTKeyRing(keys: [JWTKey.generate(kid: "k1", algorithm: .hs256, created: 1)])

    /// The harness's configuration, with `values` over it (any key of `Config/tessera.json`).
    static func configuration(directory: URL, _ values: [AbsoluteConfigKey: ConfigValue] = [:]) throws -> TesseraConfiguration {
        let base: [AbsoluteConfigKey: ConfigValue] = [
            "issuer": "https://auth.test",
            "store": .init(.string("sqlite:" + directory.appendingPathComponent("t.db").path), isSecret: false),
            "keys.jwks": .init(.string(String(decoding: try! keyRing.jwksBytes(), as: UTF8.self)), isSecret: true),
            "token.audience": .init(.stringArray(["api"]), isSecret: false),
            "password.scrypt_ln": 8,
            "password.allow_weak_cost": true,
            "http.login_client_id": "web",
            "http.cors_origins": .init(.stringArray(["https://app.example"]), isSecret: false),
        ]
        return try TesseraConfiguration(values: base.merging(values) { _, override in override })
    }

    static func make(
        _ values: [AbsoluteConfigKey: ConfigValue] = [:], clock: JWTClock = .fixed(now), metrics: PrometheusCollectorRegistry? = nil
    ) async throws -> AppHarness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-http-\(UUID().uuidString)")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = try await TesseraServer.build(
            configuration: try configuration(directory: directory, values), logger: logger, metrics: metrics,
            clock: clock)
        try await server.prepare()
        return AppHarness(server: server, directory: directory)
    }

    func close() async {
        try? await store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The secrets of the confidential clients `seed()` registers.
    struct Seed {
        /// `svc`: client_credentials with `tessera:admin`, allowed to introspect.
        let svc: String
        /// `console`: the password and refresh grants for `read` and `tessera:admin`.
        let console: String
    }

    /// Standard fixtures: user alice (no roles), user root (role admin), public client web
    /// (`read`), confidential clients svc and console.
    func seed() async throws -> Seed {
        _ = try await accounts.createUser(username: "alice", password: Self.password)
        _ = try await accounts.createUser(username: "root", password: Self.password, roles: ["admin"])
        _ = try await accounts.createClient(id: "web", kind: .public, grants: [.password, .refreshToken], scopes: ["read"], audiences: [])
        let console = try await accounts.createClient(
            id: "console", kind: .confidential, grants: [.password, .refreshToken], scopes: ["read", "tessera:admin"], audiences: [])
        let svc = try await accounts.createClient(
            id: "svc", kind: .confidential, grants: [.clientCredentials], scopes: ["tessera:admin"], audiences: [], mayIntrospect: true)
        return Seed(svc: svc.secret!, console: console.secret!)
    }

    /// The token endpoint's answer to `username`'s password grant through the console client.
    func consoleLogin(_ seed: Seed, username: String = "root", scope: String? = nil) async -> HTTPResponse {
        await form(
            "/oauth/token",
            "grant_type=password&client_id=console&client_secret=\(seed.console)&username=\(username)&password=correct+horse+battery+staple"
                + (scope.map { "&scope=\($0)" } ?? ""))
    }

    func send(_ method: HTTPMethod, _ uri: String, headers: [(String, String)] = [], body: String = "", ip: String = "192.0.2.10") async -> HTTPResponse {
        await app.respond(to: HTTPRequest(method: method, uri: uri, headers: HTTPHeaders(headers), body: Array(body.utf8), remoteIP: ip))
    }

    func form(_ uri: String, _ body: String, headers: [(String, String)] = [], ip: String = "192.0.2.10") async -> HTTPResponse {
        await send(.POST, uri, headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers, body: body, ip: ip)
    }

    func passwordLogin(scope: String? = nil) async throws -> JSONObject {
        let response = await form(
            "/oauth/token", "grant_type=password&client_id=web&username=alice&password=correct+horse+battery+staple" + (scope.map { "&scope=\($0)" } ?? ""))
        #expect(response.status == .ok)
        return try #require(response.jsonBody)
    }
}

extension HTTPResponse {
    var jsonBody: JSONObject? { JSONValue(parsing: body)?.objectValue }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Runs `body` with a harness configured by `values` and closes it.
func withApp(
    _ values: [AbsoluteConfigKey: ConfigValue] = [:], clock: JWTClock = .fixed(AppHarness.now), metrics: PrometheusCollectorRegistry? = nil,
    _ body: (AppHarness) async throws -> Void
) async throws {
    let harness = try await AppHarness.make(values, clock: clock, metrics: metrics)
    do {
        try await body(harness)
    } catch {
        await harness.close()
        throw error
    }
    await harness.close()
}

/// A clock that stands still until a test moves it.
final class MovableClock: Sendable {
    private let seconds = Mutex(AppHarness.now)
    var jwtClock: JWTClock { JWTClock { self.seconds.withLock { $0 } } }
    func advance(_ delta: Double) { seconds.withLock { $0 += delta } }
}
