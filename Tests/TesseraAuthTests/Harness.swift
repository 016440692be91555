import Foundation
import Synchronization
import TesseraAuth
import TesseraCrypto
import TesseraJWT
import TesseraPostgres
import TesseraSQLite
import Testing

/// The stores the contract suite runs on: SQLite always, PostgreSQL when
/// `TESSERA_TEST_POSTGRES_URL` names a server where the test user may create databases
/// (scripts/test.sh starts one).
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    static let postgresURL = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"]

    /// PostgreSQL runs when its URL is given, and always under scripts/test.sh
    /// (`TESSERA_REQUIRE_ALL=1`), where a missing server then fails instead of being skipped.
    static var available: [StoreKind] {
        postgresURL == nil && ProcessInfo.processInfo.environment["TESSERA_REQUIRE_ALL"] != "1" ? [.sqlite] : [.sqlite, .postgres]
    }

    var testDescription: String { rawValue }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let seconds = Mutex<Double>(1_767_225_600)
    var now: Double { seconds.withLock { $0 } }
    func advance(_ delta: Double) { seconds.withLock { $0 += delta } }
    var jwtClock: JWTClock { JWTClock { self.now } }
}

/// A fresh store of one kind with a token service and account service over it.
struct Harness: Sendable {
    let kind: StoreKind
    let store: any AuthStore
    let tokens: TokenService
    let accounts: AccountService
    let clock: TestClock
    let cleanup: @Sendable () async throws -> Void
    let keyRing: JWTKeyRing

    static let fastHasher = PasswordHasher(scrypt: ScryptParameters(logN: 8, r: 8, p: 1), pbkdf2Rounds: 1000)

    static func make(_ kind: StoreKind, configure: (inout AuthPolicy) -> Void = { _ in }) async throws -> Harness {
        let clock = TestClock()
        let (store, cleanup) = try await makeStore(kind, clock: clock)
        try await store.migrate()
        var policy = AuthPolicy(issuer: "https://auth.test", defaultAudiences: ["api"])
        configure(&policy)
        let ring = try JWTKeyRing(keys: [JWTKey.generate(kid: "k1", algorithm: .hs256, created: 1)])
        let tokens = TokenService(
            store: store, keyRing: ring, policy: policy, hasher: fastHasher,
            hashingPool: PasswordHashingPool(width: 2), clock: clock.jwtClock)
        return Harness(
            kind: kind, store: store, tokens: tokens, accounts: AccountService(tokens: tokens), clock: clock,
            cleanup: cleanup, keyRing: ring)
    }

    /// A second service on the same store: another instance with its own revocation view.
    func secondInstance() -> TokenService {
        TokenService(store: store, keyRing: keyRing, policy: tokens.policy, hasher: Self.fastHasher, clock: clock.jwtClock)
    }

    static func makeStore(_ kind: StoreKind, clock: TestClock) async throws -> (any AuthStore, @Sendable () async throws -> Void) {
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-test-\(UUID().uuidString)")
            let store = try await SQLiteAuthStore.open(path: directory.appendingPathComponent("tessera.db").path, clock: clock.jwtClock)
            return (
                store,
                {
                    try await store.close()
                    try? FileManager.default.removeItem(at: directory)
                }
            )
        case .postgres:
            let adminURL = try #require(StoreKind.postgresURL)
            let database = "tessera_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
            try await PostgresAdmin.run(adminURL, "CREATE DATABASE \(database)")
            let url = adminURL.replacingOccurrences(of: #"/[^/]*$"#, with: "/\(database)", options: .regularExpression)
            let store = try PostgresAuthStore(url: url, clock: clock.jwtClock)
            let running = Task { await store.run() }
            return (
                store,
                {
                    running.cancel()
                    await running.value
                    try await PostgresAdmin.run(adminURL, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
                }
            )
        }
    }

    /// Runs `body` with a fresh harness and always cleans up.
    static func with(_ kind: StoreKind, configure: (inout AuthPolicy) -> Void = { _ in }, _ body: (Harness) async throws -> Void) async throws {
        let harness = try await make(kind, configure: configure)
        do {
            try await body(harness)
        } catch {
            try await harness.cleanup()
            throw error
        }
        try await harness.cleanup()
    }

    // MARK: Fixtures

    static let password = "correct horse battery staple"

    @discardableResult
    func user(_ name: String = "alice") async throws -> User {
        try await accounts.createUser(username: name, password: Self.password)
    }

    func webClient(_ id: String = "web", scopes: [String] = ["read", "write"]) async throws -> OAuthClient {
        try await accounts.createClient(id: id, kind: .public, grants: [.password, .refreshToken], scopes: scopes, audiences: []).client
    }

    func login(_ client: OAuthClient, _ name: String = "alice", password: String = Harness.password, ip: String = "192.0.2.1") async throws -> TokenResponse {
        try await tokens.login.grant(client: client, username: name, password: password, scope: nil, ip: ip)
    }
}

/// Creates and drops the per-test databases.
enum PostgresAdmin {
    static func run(_ url: String, _ sql: String) async throws {
        let store = try PostgresAuthStore(url: url, maximumConnections: 1)
        let running = Task { await store.run() }
        defer { running.cancel() }
        try await store.execute(sql)
    }
}

/// Expects `body` to throw an `AuthError` with `code`, and returns it.
@discardableResult
func expectAuthError<T>(_ code: AuthError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T) async -> AuthError? {
    do {
        _ = try await body()
        Issue.record("expected \(code.rawValue), got success", sourceLocation: sourceLocation)
    } catch let error as AuthError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
