import Synchronization
import TesseraAuth
import TesseraJWT
import TesseraTestSupport
import Testing

/// Authorization belongs to users: restricted scopes follow roles, through every grant, on both stores.
@Suite("Contract: roles, restricted scopes and the admin boundary")
struct AuthorizationContractTests {
    /// A confidential client for the password and refresh grants that carries `tessera:admin`.
    static func console(_ h: Harness) async throws -> OAuthClient {
        try await h.accounts.createClient(
            id: "console", kind: .confidential, grants: [.password, .refreshToken], scopes: ["read", "tessera:admin"], audiences: []
        ).client
    }

    static func login(_ h: Harness, _ client: OAuthClient, _ name: String, scope: String?) async throws -> TokenResponse {
        try await h.tokens.login.grant(client: client, username: name, password: Harness.password, scope: scope, ip: "192.0.2.1")
    }

    @Test("a user without the role never receives tessera:admin, asked for or not; a holder does", arguments: StoreKind.available)
    func noEscalation(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user("mallory")
            try await h.accounts.createUser(username: "root", password: Harness.password, roles: ["admin"])
            let console = try await Self.console(h)
            for scope in [nil, "tessera:admin", "read tessera:admin"] {
                let issued = try await Self.login(h, console, "mallory", scope: scope)
                #expect(!issued.scope.contains("tessera:admin"), "mallory asked for \(scope ?? "nothing")")
                let claims = try h.tokens.accessTokens.verify(issued.accessToken).claims
                #expect(claims.scope?.contains("tessera:admin") != true)
                // Nor through a refresh of that session.
                await expectAuthError(.invalidScope) {
                    try await h.tokens.refresh.grant(client: console, refreshToken: issued.refreshToken!, scope: "tessera:admin")
                }
                let refreshed = try await h.tokens.refresh.grant(client: console, refreshToken: issued.refreshToken!, scope: nil)
                #expect(!refreshed.scope.contains("tessera:admin"))
            }
            #expect(try await Self.login(h, console, "root", scope: nil).scope == "read tessera:admin")
        }
    }

    @Test("a public client cannot be registered with a restricted scope or to introspect", arguments: StoreKind.available)
    func publicClients(_ kind: StoreKind) async throws {
        try await Harness.with(kind, configure: { $0.scopes = ScopePolicy(requiredRoles: ["billing:write": "billing"]) }) { h in
            for scope in ["tessera:admin", "tessera:anything", "billing:write"] {
                await expectAuthError(.invalidInput) {
                    try await h.accounts.createClient(id: "ui", kind: .public, grants: [.password], scopes: [scope], audiences: [])
                }
            }
            await expectAuthError(.invalidInput) {
                try await h.accounts.createClient(id: "ui", kind: .public, grants: [.password], scopes: [], audiences: [], mayIntrospect: true)
            }
            let registered = try await h.accounts.clients()
            #expect(registered.isEmpty)
        }
    }

    @Test("a public client registered with tessera:admin before the rule existed passes it to nobody, not even an admin", arguments: StoreKind.available)
    func legacyPublicClient(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.accounts.createUser(username: "root", password: Harness.password, roles: ["admin"])
            let legacy = OAuthClient(
                id: "admin-ui", secretHash: nil, kind: .public, grants: [.password, .refreshToken], scopes: ["read", "tessera:admin"], audiences: [],
                createdAt: 0)
            try await h.store.transaction { try await $0.insertClient(legacy) }
            let issued = try await Self.login(h, legacy, "root", scope: "read tessera:admin")
            #expect(issued.scope == "read")
            #expect(try await h.tokens.refresh.grant(client: legacy, refreshToken: issued.refreshToken!, scope: nil).scope == "read")
        }
    }

    @Test("client ids cannot look like user ids; a client's token dies with the client, even if the id is registered again", arguments: StoreKind.available)
    func clientIdentity(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let user = try await h.user()
            await expectAuthError(.invalidInput) {
                try await h.accounts.createClient(id: user.id, kind: .confidential, grants: [.clientCredentials], scopes: [], audiences: [])
            }
            let ops = try await h.accounts.createClient(id: "ops", kind: .confidential, grants: [.clientCredentials], scopes: ["tessera:admin"], audiences: [])
            let token = try h.tokens.clientCredentials.grant(client: ops.client, scope: nil).accessToken
            let claims = try h.tokens.accessTokens.verify(token).claims
            try await h.tokens.entitlements.confirm(claims, scope: "tessera:admin")
            try await h.accounts.removeClient(id: "ops")
            h.clock.advance(1)
            _ = try await h.accounts.createClient(id: "ops", kind: .confidential, grants: [.clientCredentials], scopes: ["tessera:admin"], audiences: [])
            await expectAuthError(.invalidToken) { try await h.tokens.entitlements.confirm(claims, scope: "tessera:admin") }
        }
    }

    @Test("client_credentials: a restricted scope only if the client was registered with it", arguments: StoreKind.available)
    func clientCredentials(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let plain = try await h.accounts.createClient(id: "plain", kind: .confidential, grants: [.clientCredentials], scopes: ["read"], audiences: [])
            #expect(try h.tokens.clientCredentials.grant(client: plain.client, scope: "read tessera:admin").scope == "read")
            let ops = try await h.accounts.createClient(
                id: "ops", kind: .confidential, grants: [.clientCredentials], scopes: ["tessera:admin", "tessera:other"], audiences: [])
            #expect(try h.tokens.clientCredentials.grant(client: ops.client, scope: nil).scope == "tessera:admin tessera:other")
        }
    }

    @Test("refresh recomputes the scope against the user's roles of the moment", arguments: StoreKind.available)
    func refreshRecomputes(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let root = try await h.accounts.createUser(username: "root", password: Harness.password, roles: ["admin"])
            let console = try await Self.console(h)
            let login = try await Self.login(h, console, "root", scope: nil)
            #expect(login.scope == "read tessera:admin")
            // The role disappears behind the service's back (another instance, an old version, SQL).
            try await h.store.transaction { tx in
                var user = try #require(try await tx.user(id: root.id))
                user.roles = []
                try await tx.updateUser(user)
            }
            let refreshed = try await h.tokens.refresh.grant(client: console, refreshToken: login.refreshToken!, scope: nil)
            #expect(refreshed.scope == "read")
            // The admin route check refuses the earlier, unexpired token at once.
            let claims = try h.tokens.accessTokens.verify(login.accessToken).claims
            await expectAuthError(.invalidScope) { try await h.tokens.entitlements.confirm(claims, scope: "tessera:admin") }
        }
    }

    @Test("revoking admin ends the sessions that carried it, on every instance; other sessions live on", arguments: StoreKind.available)
    func revokingTheRole(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let root = try await h.accounts.createUser(username: "root", password: Harness.password, roles: ["admin", "ops"])
            let console = try await Self.console(h)
            let admin = try await Self.login(h, console, "root", scope: nil)
            let reader = try await Self.login(h, console, "root", scope: "read")
            let other = h.secondInstance()
            try await other.sessions.refreshRevocations()
            let adminClaims = try other.accessTokens.verify(admin.accessToken).claims
            try await other.entitlements.confirm(adminClaims, scope: "tessera:admin")

            h.clock.advance(1)
            let changed = try await h.accounts.update(userID: root.id, .init(roles: .revoke("admin")))
            #expect(changed.roles == ["ops"])
            // This instance knows at once; the other one at its next poll and, on admin routes, at once.
            await expectAuthError(.invalidToken) { try h.tokens.accessTokens.verify(admin.accessToken) }
            await expectAuthError(.invalidToken) { try await other.entitlements.confirm(adminClaims, scope: "tessera:admin") }
            try await other.sessions.refreshRevocations()
            await expectAuthError(.invalidToken) { try other.accessTokens.verify(admin.accessToken) }
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: console, refreshToken: admin.refreshToken!, scope: nil) }
            // The session granted only `read` is untouched.
            #expect(try await h.tokens.refresh.grant(client: console, refreshToken: reader.refreshToken!, scope: nil).scope == "read")
            let events = try await h.accounts.auditEvents(limit: 10)
            #expect(events.contains { $0.kind == .roleRevoked && $0.userID == root.id && $0.detail.hasPrefix("role admin") })
            // Revoking it again changes and records nothing.
            try await h.accounts.update(userID: root.id, .init(roles: .revoke("admin")))
            #expect(try await h.accounts.auditEvents(limit: 10).filter { $0.kind == .roleRevoked }.count == 1)
        }
    }

    @Test("RFC 6749 §6: a narrower refresh narrows only that access token; a wider one is invalid_scope and spends nothing", arguments: StoreKind.available)
    func narrowingOnRefresh(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            let login = try await h.login(client)
            let narrow = try await h.tokens.refresh.grant(client: client, refreshToken: login.refreshToken!, scope: "read")
            #expect(narrow.scope == "read")
            #expect(try h.tokens.accessTokens.verify(narrow.accessToken).claims.scope == "read")
            await expectAuthError(.invalidScope) { try await h.tokens.refresh.grant(client: client, refreshToken: narrow.refreshToken!, scope: "read delete") }
            // The refused request spent nothing, and the refresh token still carries the whole grant.
            let full = try await h.tokens.refresh.grant(client: client, refreshToken: narrow.refreshToken!, scope: nil)
            #expect(full.scope == "read write")
            guard case let .refreshToken(details) = try await h.tokens.introspection.introspect(token: full.refreshToken!) else {
                Issue.record("refresh token inactive")
                return
            }
            #expect(details.scope == "read write")
        }
    }

    @Test("removing a client ends its sessions and refresh families; re-adding the id revives nothing", arguments: StoreKind.available)
    func clientRemoval(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            let other = try await h.webClient("other")
            let login = try await h.login(client)
            let elsewhere = try await h.login(other)
            try await h.accounts.removeClient(id: "web")
            await expectAuthError(.invalidToken) { try h.tokens.accessTokens.verify(login.accessToken) }
            let readded = try await h.webClient()
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: readded, refreshToken: login.refreshToken!, scope: nil) }
            #expect(try await h.tokens.introspection.introspect(token: login.refreshToken!) == .inactive)
            let fresh = h.secondInstance()
            try await fresh.sessions.refreshRevocations()
            await expectAuthError(.invalidToken) { try fresh.accessTokens.verify(login.accessToken) }
            // Another client's session is untouched.
            _ = try await h.tokens.refresh.grant(client: other, refreshToken: elsewhere.refreshToken!, scope: nil)
        }
    }

    @Test("an update is one transaction: a failure on any field leaves the user unchanged", arguments: StoreKind.available)
    func updateIsAtomic(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let alice = try await h.user()
            try await h.user("bob")
            let client = try await h.webClient()
            let session = try await h.login(client)
            h.clock.advance(5)
            let changes = AccountService.UserChanges(username: "bob", status: .disabled, password: "an entirely new passphrase", roles: .replace(["admin"]))
            await expectAuthError(.conflict) { try await h.accounts.update(userID: alice.id, changes) }
            var badRole = changes
            badRole.username = "alicia"
            badRole.roles = .replace(["Admin"])
            await expectAuthError(.invalidInput) { try await h.accounts.update(userID: alice.id, badRole) }
            #expect(try await h.accounts.user(id: alice.id) == alice)
            #expect(throws: Never.self) { try h.tokens.accessTokens.verify(session.accessToken) }
            _ = try await h.login(client)
            // All at once when every field is good.
            var good = changes
            good.username = "alicia"
            let updated = try await h.accounts.update(userID: alice.id, good)
            #expect(updated.username == "alicia" && updated.status == .disabled && updated.roles == ["admin"])
            #expect(updated.passwordHash != alice.passwordHash && updated.updatedAt == alice.updatedAt + 5)
            await expectAuthError(.invalidToken) { try h.tokens.accessTokens.verify(session.accessToken) }
        }
    }
}

/// The rule itself, against its formula.
@Suite("ScopePolicy")
struct ScopePolicyTests {
    @Test("issued = (requested, or the client's scopes) ∩ client scopes − restricted scopes the roles lack, for random inputs")
    func formula() {
        let universe = ["read", "write", "tessera:admin", "tessera:audit", "billing:write", "openid"]
        let roles = ["admin", "billing", "ops"]
        let policy = ScopePolicy(requiredRoles: ["tessera:admin": "admin", "billing:write": "billing"])
        var generator = SeededGenerator(state: propertySeed)
        func subset<T>(_ values: [T]) -> [T] { values.filter { _ in generator.next() & 1 == 1 } }
        for _ in 0..<2000 {
            let client = subset(universe)
            let requested: [String]? = generator.next() % 4 == 0 ? nil : subset(universe).shuffled(using: &generator)
            let held: Set<String>? = generator.next() % 5 == 0 ? nil : Set(subset(roles))
            let issued = policy.issued(requested: requested, clientScopes: client, roles: held)
            // The formula, written out independently.
            var expected = Set(requested ?? client).intersection(client)
            if let held {
                expected = expected.filter { scope in
                    let restricted = scope.hasPrefix("tessera:") || scope == "billing:write"
                    let role = ["tessera:admin": "admin", "billing:write": "billing"][scope]
                    return !restricted || (role.map(held.contains) ?? false)
                }
            }
            #expect(
                Set(issued) == expected && issued.count == expected.count,
                "seed \(propertySeed): requested \(requested ?? []) client \(client) roles \(held ?? [])")
        }
    }
}

@Suite("Contract: retention")
struct RetentionContractTests {
    @Test("ended sessions and refresh tokens go retention.ended_days after they end, audit events after retention.audit_days", arguments: StoreKind.available)
    func retention(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            let revoked = try await h.login(client)
            let idle = try await h.login(client)
            try await h.tokens.sessions.logout(sessionID: revoked.sessionID!)
            // 31 days on: the revoked session ended 31 days ago, the idle one 24 days ago (7-day idle).
            h.clock.advance(31 * 86400)
            #expect(try await h.tokens.sessions.pruneExpired() == PrunedRows(refreshTokens: 1, sessions: 1, auditEvents: 0))
            let left = try await h.store.transaction { tx in
                (try await tx.session(id: revoked.sessionID!, forUpdate: false), try await tx.session(id: idle.sessionID!, forUpdate: false))
            }
            #expect(left.0 == nil && left.1 != nil)
            // 91 days on: everything from day 0 is gone, the audit trail included.
            h.clock.advance(60 * 86400)
            let pruned = try await h.tokens.sessions.pruneExpired()
            #expect(pruned.sessions == 1 && pruned.refreshTokens == 1 && pruned.auditEvents >= 3)
            #expect(try await h.accounts.auditEvents(limit: 10).isEmpty)
        }
    }
}

@Suite("Contract: PostgreSQL deadlocks")
struct DeadlockContractTests {
    /// Counts the runs of a transaction body, across retries.
    final class Runs: Sendable {
        private let count = Mutex(0)
        func next() -> Int {
            count.withLock {
                $0 += 1
                return $0
            }
        }
        var total: Int { count.withLock { $0 } }
    }

    @Test(
        "two transactions locking the same rows in opposite order both finish: the one PostgreSQL aborts is run again",
        arguments: StoreKind.available.filter { $0 == .postgres })
    func oppositeLockOrder(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let a = try await h.user("ann")
            let b = try await h.user("ben")
            let (firstHasA, signalA) = AsyncStream.makeStream(of: Void.self)
            let (secondHasB, signalB) = AsyncStream.makeStream(of: Void.self)
            let runsOne = Runs()
            let runsTwo = Runs()
            async let one: Void = h.store.transaction { tx in
                let run = runsOne.next()
                _ = try await tx.user(id: a.id, forUpdate: true)
                if run == 1 {
                    signalA.yield()
                    for await _ in secondHasB { break }
                }
                _ = try await tx.user(id: b.id, forUpdate: true)
            }
            async let two: Void = h.store.transaction { tx in
                let run = runsTwo.next()
                if run == 1 { for await _ in firstHasA { break } }
                _ = try await tx.user(id: b.id, forUpdate: true)
                if run == 1 { signalB.yield() }
                _ = try await tx.user(id: a.id, forUpdate: true)
            }
            try await one
            try await two
            // PostgreSQL broke the deadlock by aborting one of them; that one ran again.
            #expect(runsOne.total + runsTwo.total == 3, "runs: \(runsOne.total) and \(runsTwo.total)")
        }
    }
}

@Suite("Contract: revoking session-less access tokens")
struct SessionlessRevocationTests {
    @Test(
        "a revoked client_credentials token is refused here at once, on another instance at its next poll, and is inactive to introspection",
        arguments: StoreKind.available)
    func revokedByJTI(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let ops = try await h.accounts.createClient(id: "ops", kind: .confidential, grants: [.clientCredentials], scopes: ["read"], audiences: []).client
            let other = try await h.accounts.createClient(id: "other", kind: .confidential, grants: [.clientCredentials], scopes: [], audiences: []).client
            let token = try h.tokens.clientCredentials.grant(client: ops, scope: nil).accessToken
            let untouched = try h.tokens.clientCredentials.grant(client: ops, scope: nil).accessToken
            let second = h.secondInstance()
            try await second.sessions.refreshRevocations()
            #expect(throws: Never.self) { try second.accessTokens.verify(token) }
            // Only its own client may revoke it.
            await expectAuthError(.unauthorizedClient) { try await h.tokens.revocation.revoke(token: token, client: other) }
            try await h.tokens.revocation.revoke(token: token, client: ops)
            await expectAuthError(.invalidToken) { try h.tokens.accessTokens.verify(token) }
            #expect(try await h.tokens.introspection.introspect(token: token) == .inactive)
            #expect(throws: Never.self) { try second.accessTokens.verify(token) }  // until its poll
            try await second.sessions.refreshRevocations()
            await expectAuthError(.invalidToken) { try second.accessTokens.verify(token) }
            #expect(throws: Never.self) { try second.accessTokens.verify(untouched) }
            #expect(try await h.accounts.auditEvents(limit: 5).contains { $0.kind == .tokenRevoked && $0.clientID == "ops" })
        }
    }
}
