import Foundation
import TesseraAuth
import TesseraPostgres
import Testing

/// The one-round-trip rotation (`AuthStore.rotateRefreshToken`): each store applies a step
/// exactly when `RefreshRotationStep.admits` says so, writes exactly the rows the step describes,
/// and changes nothing otherwise.
@Suite("Contract: refresh rotation as one store operation")
struct RefreshRotationStepContractTests {
    /// One way the stored rows can differ from a live token of a live session of an active user.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        var change: @Sendable (inout RefreshTokenRecord, inout Session, inout User.Status, inout String) -> Void = { _, _, _, _ in }
        var testDescription: String { name }
    }

    static let now: Int64 = 1_767_225_600

    static let cases: [Case] = [
        Case(name: "live"),
        Case(name: "live, idle expiry capped at the absolute end") { _, session, _, _ in session.absoluteExpiresAt = now + 5 },
        Case(name: "live, successor lifetime not capped") { _, session, _, _ in session.absoluteExpiresAt = now + 10_000 },
        Case(name: "live, token expires in a second") { token, _, _, _ in token.expiresAt = now + 1 },
        Case(name: "live, session idle in a second") { _, session, _, _ in session.idleExpiresAt = now + 1 },
        Case(name: "live, session ends in a second") { _, session, _, _ in session.absoluteExpiresAt = now + 1 },
        Case(name: "another client") { _, _, _, client in client = "other" },
        Case(name: "token spent") { token, _, _, _ in token.spentAt = now - 1 },
        Case(name: "token revoked") { token, _, _, _ in token.revokedAt = now - 1 },
        Case(name: "token expires now") { token, _, _, _ in token.expiresAt = now },
        Case(name: "session revoked") { _, session, _, _ in session.revokedAt = now - 1 },
        Case(name: "session idle since now") { _, session, _, _ in session.idleExpiresAt = now },
        Case(name: "session ends now") { _, session, _, _ in session.absoluteExpiresAt = now },
        Case(name: "browser cookie session") { _, session, _, _ in session.cookieHash = String(repeating: "c", count: 64) },
        Case(name: "user disabled") { _, _, status, _ in status = .disabled },
    ]

    @Test("a step applies exactly when admits() says, and writes what the step describes", arguments: StoreKind.available)
    func admission(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let owner = try await h.user()
            for client in ["web", "other"] { _ = try await h.webClient(client) }
            for (index, testCase) in Self.cases.enumerated() {
                var token = RefreshTokenRecord(
                    hash: String(format: "%064d", index), familyID: "family-\(index)", sessionID: "session-\(index)",
                    clientID: "web", parentHash: nil, scope: "read", issuedAt: Self.now - 100, expiresAt: Self.now + 1000, spentAt: nil,
                    revokedAt: nil)
                var session = Session(
                    id: "session-\(index)", userID: owner.id, clientID: "web", createdAt: Self.now - 100, lastSeenAt: Self.now - 100,
                    idleExpiresAt: Self.now + 50, absoluteExpiresAt: Self.now + 500, revokedAt: nil, scope: "read")
                var status = User.Status.active
                var presentingClient = "web"
                testCase.change(&token, &session, &status, &presentingClient)
                var user = owner
                user.status = status
                try await h.store.transaction { [token, session, user] tx in
                    try await tx.updateUser(user)
                    try await tx.insertSession(session)
                    try await tx.insertRefreshToken(token)
                }
                let step = RefreshRotationStep(
                    hash: token.hash, clientID: presentingClient, now: Self.now, successorHash: String(repeating: "f", count: 60) + "\(1000 + index)",
                    successorLifetime: 3600, sessionIdleTimeout: 60)
                let admitted = step.admits(token, session: session, user: user)
                #expect(admitted == testCase.name.hasPrefix("live"), "\(testCase.name)")

                let rotated = try await h.store.rotateRefreshToken(step)
                #expect((rotated != nil) == admitted, "\(testCase.name)")
                if let rotated {
                    #expect(rotated.spent == step.spent(token))
                    #expect(rotated.session == step.touched(session))
                    #expect(rotated.successor == step.successor(of: token, in: session))
                    #expect(rotated.user == user)
                }
                let (storedToken, storedSession, storedSuccessor) = try await h.store.read { [token, session] tx in
                    (
                        try await tx.refreshToken(hash: token.hash, forUpdate: false), try await tx.session(id: session.id, forUpdate: false),
                        try await tx.refreshToken(hash: step.successorHash, forUpdate: false)
                    )
                }
                #expect(storedToken == (admitted ? step.spent(token) : token), "\(testCase.name)")
                #expect(storedSession == (admitted ? step.touched(session) : session), "\(testCase.name)")
                #expect(storedSuccessor == (admitted ? step.successor(of: token, in: session) : nil), "\(testCase.name)")
            }
            #expect(
                try await h.store.rotateRefreshToken(
                    RefreshRotationStep(
                        hash: String(repeating: "9", count: 64), clientID: "web", now: Self.now, successorHash: String(repeating: "e", count: 64),
                        successorLifetime: 3600, sessionIdleTimeout: 60)) == nil, "an unknown token")
        }
    }

    @Test("50 concurrent steps on one token: exactly one applies, and the family has one successor", arguments: StoreKind.available)
    func concurrentSteps(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            let login = try await h.login(client)
            let hash = try OpaqueSecret.storedHash(of: try #require(login.refreshToken))
            let now = Int64(h.clock.now)
            let applied = try await withThrowingTaskGroup(of: RotatedRefreshToken?.self) { group in
                for attempt in 0..<50 {
                    group.addTask {
                        try await h.store.rotateRefreshToken(
                            RefreshRotationStep(
                                hash: hash, clientID: client.id, now: now, successorHash: String(format: "%064d", attempt), successorLifetime: 3600,
                                sessionIdleTimeout: 60))
                    }
                }
                return try await group.reduce(into: [RotatedRefreshToken]()) { if let rotated = $1 { $0.append(rotated) } }
            }
            #expect(applied.count == 1)
            let successors = try await h.store.read { tx in
                var found: [RefreshTokenRecord] = []
                for attempt in 0..<50 {
                    if let record = try await tx.refreshToken(hash: String(format: "%064d", attempt), forUpdate: false) { found.append(record) }
                }
                return found
            }
            #expect(successors.count == 1)
            #expect(successors.first?.parentHash == hash)
        }
    }

    /// Two steps that took their snapshots while another transaction held the token's row lock:
    /// once it is released, the second must re-check the token it waited for (now spent), not
    /// the snapshot it started from.
    @Test("PostgreSQL: steps queued behind a lock on the token re-check it; exactly one applies")
    func queuedBehindLock() async throws {
        guard StoreKind.available.contains(.postgres) else { return }
        try await Harness.with(.postgres) { h in
            let store = try #require(h.store as? PostgresAuthStore)
            try await h.user()
            let client = try await h.webClient()
            let hash = try OpaqueSecret.storedHash(of: try #require(try await h.login(client).refreshToken))
            let now = Int64(h.clock.now)
            let (locked, lockTaken) = AsyncStream<Void>.makeStream()
            let (release, released) = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await h.store.transaction { tx in
                    _ = try await tx.refreshToken(hash: hash, forUpdate: true)
                    lockTaken.yield()
                    for await _ in release { break }
                }
            }
            for await _ in locked { break }
            let steps = (0..<2).map { attempt in
                Task {
                    try await h.store.rotateRefreshToken(
                        RefreshRotationStep(
                            hash: hash, clientID: client.id, now: now, successorHash: String(format: "%064d", attempt), successorLifetime: 3600,
                            sessionIdleTimeout: 60))
                }
            }
            // Both statements are waiting for the lock once PostgreSQL says so (bounded: 10 s).
            let deadline = ContinuousClock.now + .seconds(10)
            var queued = false
            while !queued, ContinuousClock.now < deadline {
                do {
                    try await store.execute(
                        """
                        DO $$ BEGIN IF (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock') < 2
                        THEN RAISE EXCEPTION 'not yet'; END IF; END $$
                        """)
                    queued = true
                } catch {
                    await Task.yield()
                }
            }
            #expect(queued, "both steps were waiting for the row lock before it was released")
            released.yield()
            try await holder.value
            var applied = 0
            for step in steps where try await step.value != nil { applied += 1 }
            #expect(applied == 1)
        }
    }
}
