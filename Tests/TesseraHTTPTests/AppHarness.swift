import Foundation
import Logging
import NIOHTTP1
import Synchronization
import Testing
import TesseraAuth
import TesseraCrypto
import TesseraHTTP
import TesseraJWT
import TesseraSQLite

/// A full application over a temporary SQLite store with a fixed clock, driven without sockets.
struct AppHarness: Sendable {
    let app: HTTPApplication
    let tokens: TokenService
    let accounts: AccountService
    let directory: URL
    let store: SQLiteAuthStore

    static let password = "correct horse battery staple"
    static let now: Double = 1_767_225_600

    static func make(corsOrigins: Set<String> = ["https://app.example"], rateLimit: RateLimitFilter = RateLimitFilter(now: { now })) async throws -> AppHarness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-http-\(UUID().uuidString)")
        let store = try await SQLiteAuthStore.open(path: directory.appendingPathComponent("t.db").path, clock: { Int64(now) })
        try await store.migrate()
        let ring = try JWTKeyRing(keys: [JWTKey.generate(kid: "k1", algorithm: .hs256, created: 1)])
        let tokens = try TokenService(store: store, keyRing: ring, policy: AuthPolicy(issuer: "https://auth.test", defaultAudiences: ["api"]),
                                      hasher: PasswordHasher(scrypt: ScryptParameters(logN: 8, r: 8, p: 1)), clock: .fixed(now))
        let accounts = AccountService(tokens: tokens)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var settings = Endpoints.Settings(issuer: "https://auth.test", verifyAudiences: ["api"], loginClientID: "web")
        settings.signupEnabled = false
        let endpoints = Endpoints(tokens: tokens, accounts: accounts, settings: settings, logger: logger)
        let app = HTTPApplication(router: Router(endpoints.routes), filters: [
            RequestIDFilter(), AccessLogFilter(logger: logger), CORSFilter(allowedOrigins: corsOrigins), rateLimit,
        ])
        return AppHarness(app: app, tokens: tokens, accounts: accounts, directory: directory, store: store)
    }

    func close() async {
        try? await store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Standard fixtures: user alice, public client web, confidential client svc (secret returned).
    func seed() async throws -> String {
        _ = try await accounts.createUser(username: "alice", password: Self.password)
        _ = try await accounts.createClient(id: "web", kind: .public, grants: [.password, .refreshToken], scopes: ["read", "tessera:admin"], audiences: [])
        return try await accounts.createClient(id: "svc", kind: .confidential, grants: [.clientCredentials], scopes: ["tessera:admin"], audiences: []).secret!
    }

    func send(_ method: HTTPMethod, _ uri: String, headers: [(String, String)] = [], body: String = "", ip: String = "192.0.2.10") async -> HTTPResponse {
        await app.respond(to: HTTPRequest(method: method, uri: uri, headers: HTTPHeaders(headers), body: Array(body.utf8), remoteIP: ip))
    }

    func form(_ uri: String, _ body: String, headers: [(String, String)] = [], ip: String = "192.0.2.10") async -> HTTPResponse {
        await send(.POST, uri, headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers, body: body, ip: ip)
    }

    func passwordLogin(scope: String? = nil) async throws -> JSONObject {
        let response = await form("/oauth/token", "grant_type=password&client_id=web&username=alice&password=correct+horse+battery+staple" + (scope.map { "&scope=\($0)" } ?? ""))
        #expect(response.status == .ok)
        return try #require(response.jsonBody)
    }
}

extension HTTPResponse {
    var jsonBody: JSONObject? { JSONValue(parsing: body)?.objectValue }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Runs `body` with a harness and closes it.
func withApp(_ body: (AppHarness) async throws -> Void) async throws {
    let harness = try await AppHarness.make()
    do {
        try await body(harness)
    } catch {
        await harness.close()
        throw error
    }
    await harness.close()
}
