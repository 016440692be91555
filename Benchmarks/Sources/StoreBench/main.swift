import Foundation
import PostgresNIO
import SQLiteNIO
import TesseraAuth
import TesseraCrypto
import TesseraJWT
import TesseraPostgres
import TesseraSQLite

// Store benchmarks for issue #3, each beside its peer measured in the same run:
// - refresh rotations/s and introspections/s on SQLite and PostgreSQL, beside the same store's raw
//   single-row UPDATE rate (one autocommit UPDATE per operation, same durability settings);
// - login throughput with as many concurrent logins as cores, beside cores × raw scrypt;
// - the delay before a session revoked on one instance is refused by another (PostgreSQL).
// Usage: StoreBench [postgres://…]   (scripts/bench.sh passes a throwaway server)

let postgresURL = CommandLine.arguments.dropFirst().first
let cores = ProcessInfo.processInfo.activeProcessorCount

func rate(_ count: Int, _ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    for _ in 0..<count { try await body() }
    let elapsed = ContinuousClock.now - start
    return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

func line(_ name: String, _ value: Double, unit: String = "/s") {
    print("\(name.padding(toLength: 52, withPad: " ", startingAt: 0)) \(String(format: "%10.1f", value)) \(unit)")
}

let ring = try JWTKeyRing(keys: [JWTKey.generate(kid: "bench", algorithm: .hs256, created: 0)])

func services(_ store: any AuthStore, hasher: PasswordHasher, pool: PasswordHashingPool = PasswordHashingPool()) throws -> (TokenService, AccountService) {
    let tokens = TokenService(
        store: store, keyRing: ring, policy: AuthPolicy(issuer: "https://bench", defaultAudiences: ["api"]),
        hasher: hasher, hashingPool: pool)
    return (tokens, AccountService(tokens: tokens))
}

/// Rotations and introspections per second through the token service.
func tokenRates(_ store: any AuthStore, label: String, count: Int) async throws -> (rotations: Double, introspections: Double) {
    try await store.migrate()
    let (tokens, accounts) = try services(store, hasher: PasswordHasher(scrypt: ScryptParameters(logN: 4, r: 8, p: 1)))
    let client = try await accounts.createClient(id: "bench-\(label)", kind: .public, grants: [.password, .refreshToken], scopes: ["a"], audiences: []).client
    _ = try await accounts.createUser(username: "bench-\(label)", password: "benchmark password")
    var pair = try await tokens.login.grant(client: client, username: "bench-\(label)", password: "benchmark password", scope: nil, ip: "127.0.0.1")
    let rotations = try await rate(count) {
        pair = try await tokens.refresh.grant(client: client, refreshToken: pair.refreshToken!, scope: nil)
    }
    let access = pair.accessToken
    let introspections = try await rate(count) {
        _ = try await tokens.introspection.introspect(token: access)
    }
    return (rotations, introspections)
}

print("cores: \(cores)")
print()

// MARK: SQLite

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

let raw: SQLiteConnection = try await SQLiteConnection.open(storage: .file(path: directory.appendingPathComponent("raw.db").path))
for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"] { _ = try await raw.query(pragma, []) }
_ = try await raw.query("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)", [])
_ = try await raw.query("INSERT INTO counter VALUES (1, 0)", [])
let sqliteCount = 2000
let sqliteUpdate = try await rate(sqliteCount) { _ = try await raw.query("UPDATE counter SET n = n + 1 WHERE id = 1", []) }
await raw.close()
let sqliteStore = try await SQLiteAuthStore.open(path: directory.appendingPathComponent("tessera.db").path)
let sqlite = try await tokenRates(sqliteStore, label: "sqlite", count: sqliteCount)
try await sqliteStore.close()
print("SQLite (WAL, synchronous=FULL)")
line("  raw single-row UPDATE (peer)", sqliteUpdate)
line("  refresh rotations", sqlite.rotations)
line("  introspections (access token, from memory)", sqlite.introspections)
print(
    String(
        format: "  rotations / raw UPDATE = %.3f   introspections / raw UPDATE = %.3f", sqlite.rotations / sqliteUpdate, sqlite.introspections / sqliteUpdate))
print(String(format: "ratio sqlite-rotations/update     %.3f (target >= 0.5)", sqlite.rotations / sqliteUpdate))
print()

// MARK: PostgreSQL

if let postgresURL {
    let store = try PostgresAuthStore(url: postgresURL)
    let running = Task { await store.run() }
    defer { running.cancel() }
    try await store.migrate()
    try await store.execute("CREATE TABLE IF NOT EXISTS bench_counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
    try await store.execute("INSERT INTO bench_counter VALUES (1, 0) ON CONFLICT (id) DO NOTHING")
    let postgresCount = 2000
    let postgresUpdate = try await rate(postgresCount) { try await store.execute("UPDATE bench_counter SET n = n + 1 WHERE id = 1") }
    let postgres = try await tokenRates(store, label: "postgres", count: postgresCount)
    print("PostgreSQL 15 (loopback, fsync on)")
    line("  raw single-row UPDATE (peer)", postgresUpdate)
    line("  refresh rotations", postgres.rotations)
    line("  introspections (access token, from memory)", postgres.introspections)
    print(
        String(
            format: "  rotations / raw UPDATE = %.3f   introspections / raw UPDATE = %.3f", postgres.rotations / postgresUpdate,
            postgres.introspections / postgresUpdate))
    print(String(format: "ratio postgres-rotations/update   %.3f (target >= 0.8)", postgres.rotations / postgresUpdate))
    print()

    // Cross-instance revocation: B polls every second; A revokes; how long until B refuses?
    let (a, accountsA) = try services(store, hasher: PasswordHasher(scrypt: ScryptParameters(logN: 4, r: 8, p: 1)))
    let secondStore = try PostgresAuthStore(url: postgresURL)
    let secondRunning = Task { await secondStore.run() }
    defer { secondRunning.cancel() }
    let (b, _) = try services(secondStore, hasher: PasswordHasher(scrypt: ScryptParameters(logN: 4, r: 8, p: 1)))
    let poller = Task {
        while !Task.isCancelled {
            try? await b.sessions.refreshRevocations()
            try? await Task.sleep(for: .seconds(1))
        }
    }
    let client = try await accountsA.createClient(id: "revocation-bench", kind: .public, grants: [.password, .refreshToken], scopes: [], audiences: []).client
    _ = try await accountsA.createUser(username: "revocation-bench", password: "benchmark password")
    var delays: [Double] = []
    for _ in 0..<10 {
        let pair = try await a.login.grant(client: client, username: "revocation-bench", password: "benchmark password", scope: nil, ip: "127.0.0.1")
        _ = try b.accessTokens.verify(pair.accessToken)
        let start = ContinuousClock.now
        try await a.sessions.logout(sessionID: pair.sessionID!)
        while (try? b.accessTokens.verify(pair.accessToken)) != nil { try await Task.sleep(for: .milliseconds(2)) }
        let elapsed = ContinuousClock.now - start
        delays.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        try await Task.sleep(for: .milliseconds(137))  // stagger against the poll phase
    }
    poller.cancel()
    delays.sort()
    print("Cross-instance revocation (PostgreSQL, poll interval 1 s), 10 trials")
    line("  median delay", delays[delays.count / 2], unit: "ms")
    line("  max delay", delays.last!, unit: "ms")
    print()
    try await secondStore.close()
    try await store.close()
}

// MARK: Login throughput beside raw scrypt

let hasher = PasswordHasher()  // N=2^17, r=8, p=1
let password = Array("benchmark password".utf8)
let salt = [UInt8](repeating: 7, count: 16)
let scryptPerSecond = try await rate(6) {
    _ = try password.withUnsafeBytes { p in try salt.withUnsafeBytes { s in try KDF.scrypt(password: p, salt: s, n: 1 << 17, r: 8, p: 1, length: 32) } }
}
let loginStore = try await SQLiteAuthStore.open(path: directory.appendingPathComponent("login.db").path)
try await loginStore.migrate()
let (loginTokens, loginAccounts) = try services(loginStore, hasher: hasher, pool: PasswordHashingPool(width: cores))
let loginClient = try await loginAccounts.createClient(id: "login-bench", kind: .public, grants: [.password], scopes: [], audiences: []).client
_ = try await loginAccounts.createUser(username: "login-bench", password: "benchmark password")
let logins = 12
let start = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    for index in 0..<logins {
        group.addTask {
            _ = try await loginTokens.login.grant(
                client: loginClient, username: "login-bench", password: "benchmark password", scope: nil, ip: "10.0.0.\(index)")
        }
    }
    try await group.waitForAll()
}
let elapsed = ContinuousClock.now - start
let loginRate = Double(logins) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
try await loginStore.close()
print("Login (scrypt N=2^17, r=8, p=1; \(cores) concurrent)")
line("  raw scrypt, one thread (peer)", scryptPerSecond)
line("  logins", loginRate)
print(String(format: "  logins / (cores × raw scrypt) = %.3f", loginRate / (Double(cores) * scryptPerSecond)))
