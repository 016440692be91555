import TesseraAuth
import TesseraJWT
import Testing

@Suite("Contract: refresh, revocation, introspection, sessions")
struct RefreshContractTests {
    @Test("each refresh rotates; a second use of a spent token revokes the family and session (RFC 9700 §4.14)", arguments: StoreKind.available)
    func rotationAndReuse(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            let first = try await h.login(client)
            h.clock.advance(10)
            let second = try await h.tokens.refresh.grant(client: client, refreshToken: first.refreshToken!, scope: nil)
            #expect(second.refreshToken != first.refreshToken && second.sessionID == first.sessionID)
            #expect(second.scope == "read write")
            let third = try await h.tokens.refresh.grant(client: client, refreshToken: second.refreshToken!, scope: nil)
            // Replaying the first token: theft assumed.
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: client, refreshToken: first.refreshToken!, scope: nil) }
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: client, refreshToken: third.refreshToken!, scope: nil) }
            await expectAuthError(.invalidToken) { try h.tokens.accessTokens.verify(third.accessToken) }
            #expect(try await h.tokens.introspection.introspect(token: third.accessToken) == .inactive)
            #expect(try await h.accounts.auditEvents(limit: 20).contains { $0.kind == .refreshReuseDetected })
            // A fresh login is unaffected.
            _ = try await h.login(client)
        }
    }

    @Test("inside the grace window a retry succeeds and the family keeps one live token", arguments: StoreKind.available)
    func graceWindow(_ kind: StoreKind) async throws {
        try await Harness.with(kind, configure: { $0.refreshReuseGrace = 10 }) { h in
            try await h.user()
            let client = try await h.webClient()
            let login = try await h.login(client)
            let lost = try await h.tokens.refresh.grant(client: client, refreshToken: login.refreshToken!, scope: nil)
            h.clock.advance(5)
            let retry = try await h.tokens.refresh.grant(client: client, refreshToken: login.refreshToken!, scope: nil)
            // In the store: of the three tokens the family issued, only the retry's is live.
            let live = try await h.store.transaction { tx in
                var live: [String] = []
                for (name, token) in [("login", login.refreshToken!), ("lost", lost.refreshToken!), ("retry", retry.refreshToken!)] {
                    let record = try #require(try await tx.refreshToken(hash: try OpaqueSecret.storedHash(of: token), forUpdate: false))
                    if record.spentAt == nil && record.revokedAt == nil { live.append(name) }
                }
                return live
            }
            #expect(live == ["retry"])
            // The retry's tokens work; the lost answer's refresh token is refused without ending the session.
            #expect(retry.sessionID == login.sessionID)
            #expect(throws: Never.self) { try h.tokens.accessTokens.verify(retry.accessToken) }
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: client, refreshToken: lost.refreshToken!, scope: nil) }
            let next = try await h.tokens.refresh.grant(client: client, refreshToken: retry.refreshToken!, scope: nil)
            #expect(throws: Never.self) { try h.tokens.accessTokens.verify(next.accessToken) }
            // Past the grace window, a reuse is theft again: family and session end.
            h.clock.advance(11)
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: client, refreshToken: retry.refreshToken!, scope: nil) }
            await expectAuthError(.invalidToken) { try h.tokens.accessTokens.verify(next.accessToken) }
        }
    }

    @Test(
        "refresh tokens are bound to their client; the idle timeout ends the session even when the token is still valid",
        arguments: StoreKind.available)
    func bindingAndIdleExpiry(_ kind: StoreKind) async throws {
        try await Harness.with(
            kind,
            configure: {
                $0.sessionIdleTimeout = 100
                $0.refreshTokenTTL = 1000
            }
        ) { h in
            try await h.user()
            let web = try await h.webClient()
            let other = try await h.webClient("mobile")
            let pair = try await h.login(web)
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: other, refreshToken: pair.refreshToken!, scope: nil) }
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: web, refreshToken: "not-a-token", scope: nil) }
            let control = try await h.login(web)
            h.clock.advance(99)
            _ = try await h.tokens.refresh.grant(client: web, refreshToken: control.refreshToken!, scope: nil)  // just inside
            h.clock.advance(2)
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: web, refreshToken: pair.refreshToken!, scope: nil) }
        }
    }

    @Test("a refresh token expires at its own TTL even while its session is active", arguments: StoreKind.available)
    func refreshTokenExpiry(_ kind: StoreKind) async throws {
        try await Harness.with(
            kind,
            configure: {
                $0.sessionIdleTimeout = 1000
                $0.refreshTokenTTL = 100
            }
        ) { h in
            try await h.user()
            let web = try await h.webClient()
            let control = try await h.login(web)
            let pair = try await h.login(web)
            h.clock.advance(99)
            _ = try await h.tokens.refresh.grant(client: web, refreshToken: control.refreshToken!, scope: nil)  // just inside
            h.clock.advance(2)
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: web, refreshToken: pair.refreshToken!, scope: nil) }
            #expect(try await h.tokens.introspection.introspect(token: pair.accessToken) != .inactive, "the session itself is still active")
        }
    }

    @Test("client_credentials: an access token for the client itself, no refresh token", arguments: StoreKind.available)
    func clientCredentials(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let created = try await h.accounts.createClient(
                id: "svc", kind: .confidential, grants: [.clientCredentials], scopes: ["jobs"], audiences: ["queue"])
            let response = try h.tokens.clientCredentials.grant(client: created.client, scope: nil)
            #expect(response.refreshToken == nil && response.scope == "jobs")
            let claims = try h.tokens.accessTokens.verify(response.accessToken, audiences: ["queue"]).claims
            #expect(claims.subject == "svc" && claims.clientID == "svc" && claims.sessionID == nil)
        }
    }

    @Test("revocation (RFC 7009): refresh token → family and session; access token → session; unknown → fine", arguments: StoreKind.available)
    func revocation(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            let other = try await h.webClient("mobile")
            let one = try await h.login(client)
            await expectAuthError(.unauthorizedClient) { try await h.tokens.revocation.revoke(token: one.refreshToken!, client: other) }
            try await h.tokens.revocation.revoke(token: one.refreshToken!, client: client)
            await expectAuthError(.invalidToken) { try h.tokens.accessTokens.verify(one.accessToken) }
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: client, refreshToken: one.refreshToken!, scope: nil) }
            let two = try await h.login(client)
            await expectAuthError(.unauthorizedClient) { try await h.tokens.revocation.revoke(token: two.accessToken, client: other) }
            try await h.tokens.revocation.revoke(token: two.accessToken, client: client)
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: client, refreshToken: two.refreshToken!, scope: nil) }
            try await h.tokens.revocation.revoke(token: "garbage", client: client)
            try await h.tokens.revocation.revoke(token: two.accessToken, client: client)
        }
    }

    @Test(
        "introspection (RFC 7662): active with claims, inactive after logout, idle or absolute expiry (access tokens end with their session)",
        arguments: StoreKind.available)
    func introspection(_ kind: StoreKind) async throws {
        try await Harness.with(
            kind,
            configure: {
                $0.sessionIdleTimeout = 600
                $0.sessionAbsoluteTimeout = 1000
                $0.accessTokenTTL = 3000
            }
        ) { h in
            let alice = try await h.user()
            let client = try await h.webClient()
            let pair = try await h.login(client)
            guard case let .accessToken(claims) = try await h.tokens.introspection.introspect(token: pair.accessToken) else {
                Issue.record("a fresh access token is active")
                return
            }
            #expect(claims["sub"] == .string(alice.id) && claims["client_id"] == .string("web"))
            guard case let .refreshToken(details) = try await h.tokens.introspection.introspect(token: pair.refreshToken!) else {
                Issue.record("a fresh refresh token is active")
                return
            }
            #expect(details.subject == alice.id && details.clientID == "web" && details.sessionID == pair.sessionID)
            #expect(try await h.tokens.introspection.introspect(token: "nonsense") == .inactive)
            // Introspection reads no store for an access token: the token expires when its
            // session would idle out, and introspection applies no leeway to its own tokens.
            h.clock.advance(601)
            #expect(try await h.tokens.introspection.introspect(token: pair.accessToken) == .inactive, "idled out")
            // A chain of rotations, each inside the 600 s idle limit, runs into the 1000 s absolute one.
            var current = try await h.login(client)
            for _ in 0..<3 {
                h.clock.advance(300)
                current = try await h.tokens.refresh.grant(client: client, refreshToken: current.refreshToken!, scope: nil)
            }
            #expect(try await h.tokens.introspection.introspect(token: current.accessToken) != .inactive, "at 900 s: inside both limits")
            h.clock.advance(300)
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: client, refreshToken: current.refreshToken!, scope: nil) }
            #expect(try await h.tokens.introspection.introspect(token: current.accessToken) == .inactive, "past absolute lifetime")
            let third = try await h.login(client)
            try await h.tokens.sessions.logout(sessionID: third.sessionID!)
            #expect(try await h.tokens.introspection.introspect(token: third.accessToken) == .inactive, "logged out")
            #expect(try await h.tokens.introspection.introspect(token: third.refreshToken!) == .inactive)
        }
    }

    @Test("introspecting an access token reads no store: a logout on another instance shows at the next revocation poll", arguments: StoreKind.available)
    func introspectionFromMemory(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            _ = try await h.user()
            let pair = try await h.login(try await h.webClient())
            try await h.secondInstance().sessions.logout(sessionID: pair.sessionID!)
            #expect(try await h.tokens.introspection.introspect(token: pair.accessToken) != .inactive, "not polled yet: the view is all it asks")
            try await h.tokens.sessions.refreshRevocations()
            #expect(try await h.tokens.introspection.introspect(token: pair.accessToken) == .inactive)
        }
    }

    @Test("logout everywhere ends every session of the user", arguments: StoreKind.available)
    func logoutEverywhere(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let alice = try await h.user()
            try await h.user("bob")
            let client = try await h.webClient()
            let a1 = try await h.login(client)
            let a2 = try await h.login(client)
            let b = try await h.login(client, "bob")
            #expect(try await h.tokens.sessions.list(userID: alice.id).count == 2)
            #expect(try await h.tokens.sessions.logoutEverywhere(userID: alice.id) == 2)
            for token in [a1.accessToken, a2.accessToken] { await expectAuthError(.invalidToken) { try h.tokens.accessTokens.verify(token) } }
            #expect(throws: Never.self) { try h.tokens.accessTokens.verify(b.accessToken) }
            await expectAuthError(.notFound) { try await h.tokens.sessions.logout(sessionID: "no-such-session") }
        }
    }

    @Test("a revocation on one instance reaches another at its next poll", arguments: StoreKind.available)
    func crossInstanceRevocation(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            let other = h.secondInstance()
            // The service's own poll, as `tessera serve` runs it every revocation.poll_seconds.
            try await other.sessions.refreshRevocations()
            let pair = try await h.login(client)
            #expect(throws: Never.self) { try other.accessTokens.verify(pair.accessToken) }
            try await h.tokens.sessions.logout(sessionID: pair.sessionID!)
            #expect(throws: Never.self) { try other.accessTokens.verify(pair.accessToken) }  // not polled yet
            h.clock.advance(1)
            try await other.sessions.refreshRevocations()
            await expectAuthError(.invalidToken) { try other.accessTokens.verify(pair.accessToken) }
        }
    }

    @Test("50 concurrent refreshes of one token: exactly one succeeds", arguments: StoreKind.available)
    func concurrentRefresh(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            let token = try #require(try await h.login(client).refreshToken)
            let results = await withTaskGroup(of: Result<TokenResponse, any Error>.self) { group in
                for _ in 0..<50 {
                    group.addTask { await Result(catching: { try await h.tokens.refresh.grant(client: client, refreshToken: token, scope: nil) }) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let successes = results.compactMap { try? $0.get() }
            #expect(successes.count == 1)
            for case let .failure(error) in results { #expect((error as? AuthError)?.code == .invalidGrant, "\(error)") }
            // The losers replayed a spent token, so the family and session are revoked (grace 0).
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: client, refreshToken: successes[0].refreshToken!, scope: nil) }
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
