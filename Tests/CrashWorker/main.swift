import Foundation
import TesseraAuth
import TesseraCrypto
import TesseraJWT
import TesseraSQLite

// A refresh-heavy loop against a SQLite file, for the crash-safety test: it is SIGKILLed at an
// arbitrary moment and the file is then checked. Usage: TesseraCrashWorker DB_PATH
// Prints "ready" once set up, then "rotated N" after each committed rotation.

let path = CommandLine.arguments[1]
let store = try await SQLiteAuthStore.open(path: path)
try await store.migrate()
let ring = try JWTKeyRing(keys: [JWTKey.generate(kid: "crash", algorithm: .hs256, created: 0)])
let tokens = TokenService(
    store: store, keyRing: ring, policy: AuthPolicy(issuer: "https://crash.test", defaultAudiences: ["api"]),
    hasher: PasswordHasher(scrypt: ScryptParameters(logN: 4, r: 8, p: 1)))
let accounts = AccountService(tokens: tokens)
let client: OAuthClient
if let existing = try await accounts.clients().first(where: { $0.id == "crash-client" }) {
    client = existing
} else {
    client = try await accounts.createClient(id: "crash-client", kind: .public, grants: [.password, .refreshToken], scopes: ["a"], audiences: []).client
}
for index in 0..<4 where (try? await accounts.user(username: "crash-\(index)")) == nil {
    _ = try await accounts.createUser(username: "crash-\(index)", password: "crash password \(index)")
}
say("ready")
let counter = Counter()
try await withThrowingTaskGroup(of: Void.self) { group in
    for index in 0..<4 {
        group.addTask {
            var token = try await tokens.login.grant(
                client: client, username: "crash-\(index)", password: "crash password \(index)",
                scope: nil, ip: "127.0.0.1"
            ).refreshToken!
            while true {
                token = try await tokens.refresh.grant(client: client, refreshToken: token, scope: nil).refreshToken!
                say("rotated \(counter.increment())")
            }
        }
    }
    try await group.waitForAll()
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

/// Writes a line straight to stdout (unbuffered), so the test sees each committed rotation.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
