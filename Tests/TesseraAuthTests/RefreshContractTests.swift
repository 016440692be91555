import Testing
import TesseraAuth

@Suite("Contract: refresh, revocation, introspection, sessions")
struct RefreshContractTests {
    @Test("each refresh rotates; a second use of a spent token revokes the family and session (RFC 9700 §4.14)", arguments: StoreKind.available)
    func rotationAndReuse(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            let first = try await h.login(client)
            h.clock.advance(10)
            let second = try await h.tokens.refreshGrant(client: client, refreshToken: first.refreshToken!, scope: nil)
            #expect(second.refreshToken != first.refreshToken && second.sessionID == first.sessionID)
            #expect(second.scope == "read write")
            let third = try await h.tokens.refreshGrant(client: client, refreshToken: second.refreshToken!, scope: "read")
            #expect(third.scope == "read")
            await expectAuthError(.invalidGrant) { try await h.tokens.refreshGrant(client: client, refreshToken: third.refreshToken!, scope: "read write") }
            // Replaying the first token: theft assumed.
            await expectAuthError(.invalidGrant) { try await h.tokens.refreshGrant(client: client, refreshToken: first.refreshToken!, scope: nil) }
            await expectAuthError(.invalidGrant) { try await h.tokens.refreshGrant(client: client, refreshToken: third.refreshToken!, scope: nil) }
            await expectAuthError(.invalidToken) { try h.tokens.verifyAccessToken(third.accessToken) }
            #expect(try await h.tokens.introspect(token: third.accessToken) == ["active": .bool(false)])
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
            let lost = try await h.tokens.refreshGrant(client: client, refreshToken: login.refreshToken!, scope: nil)
            h.clock.advance(5)
            let retry = try await h.tokens.refreshGrant(client: client, refreshToken: login.refreshToken!, scope: nil)
            await expectAuthError(.invalidGrant) { try await h.tokens.refreshGrant(client: client, refreshToken: lost.refreshToken!, scope: nil) }
            _ = retry
            // The lost answer's token was revoked, not reused: the session survives.
            let next = try await h.login(client)
            h.clock.advance(11)
            let rotated = try await h.tokens.refreshGrant(client: client, refreshToken: next.refreshToken!, scope: nil)
            h.clock.advance(11)
            await expectAuthError(.invalidGrant) { try await h.tokens.refreshGrant(client: client, refreshToken: next.refreshToken!, scope: nil) }
            await expectAuthError(.invalidToken) { try h.tokens.verifyAccessToken(rotated.accessToken) }
        }
    }

    @Test("refresh tokens are bound to their client and expire with their session", arguments: StoreKind.available)
    func bindingAndExpiry(_ kind: StoreKind) async throws {
        try await Harness.with(kind, configure: { $0.sessionIdleTimeout = 100; $0.refreshTokenTTL = 100 }) { h in
            try await h.user()
            let web = try await h.webClient()
            let other = try await h.webClient("mobile")
            let pair = try await h.login(web)
            await expectAuthError(.invalidGrant) { try await h.tokens.refreshGrant(client: other, refreshToken: pair.refreshToken!, scope: nil) }
            await expectAuthError(.invalidGrant) { try await h.tokens.refreshGrant(client: web, refreshToken: "not-a-token", scope: nil) }
            h.clock.advance(101)
            await expectAuthError(.invalidGrant) { try await h.tokens.refreshGrant(client: web, refreshToken: pair.refreshToken!, scope: nil) }
        }
    }

    @Test("client_credentials: an access token for the client itself, no refresh token", arguments: StoreKind.available)
    func clientCredentials(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let created = try await h.accounts.createClient(id: "svc", kind: .confidential, grants: [.clientCredentials], scopes: ["jobs"], audiences: ["queue"])
            let response = try await h.tokens.clientCredentialsGrant(client: created.client, scope: nil)
            #expect(response.refreshToken == nil && response.scope == "jobs")
            let claims = try h.tokens.verifyAccessToken(response.accessToken, audiences: ["queue"]).claims
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
            await expectAuthError(.unauthorizedClient) { try await h.tokens.revoke(token: one.refreshToken!, client: other) }
            try await h.tokens.revoke(token: one.refreshToken!, client: client)
            await expectAuthError(.invalidToken) { try h.tokens.verifyAccessToken(one.accessToken) }
            await expectAuthError(.invalidGrant) { try await h.tokens.refreshGrant(client: client, refreshToken: one.refreshToken!, scope: nil) }
            let two = try await h.login(client)
            await expectAuthError(.unauthorizedClient) { try await h.tokens.revoke(token: two.accessToken, client: other) }
            try await h.tokens.revoke(token: two.accessToken, client: client)
            await expectAuthError(.invalidGrant) { try await h.tokens.refreshGrant(client: client, refreshToken: two.refreshToken!, scope: nil) }
            try await h.tokens.revoke(token: "garbage", client: client)
            try await h.tokens.revoke(token: two.accessToken, client: client)
        }
    }

    @Test("introspection (RFC 7662): active with claims, inactive after logout, idle or absolute expiry", arguments: StoreKind.available)
    func introspection(_ kind: StoreKind) async throws {
        try await Harness.with(kind, configure: { $0.sessionIdleTimeout = 600; $0.sessionAbsoluteTimeout = 1000; $0.accessTokenTTL = 3000 }) { h in
            let alice = try await h.user()
            let client = try await h.webClient()
            let pair = try await h.login(client)
            let active = try await h.tokens.introspect(token: pair.accessToken)
            #expect(active["active"] == .bool(true) && active["sub"] == .string(alice.id) && active["client_id"] == .string("web"))
            #expect(active["token_type"] == .string("Bearer"))
            let refresh = try await h.tokens.introspect(token: pair.refreshToken!)
            #expect(refresh["active"] == .bool(true) && refresh["token_type"] == .string("refresh_token"))
            #expect(try await h.tokens.introspect(token: "nonsense") == ["active": .bool(false)])
            h.clock.advance(601)
            #expect(try await h.tokens.introspect(token: pair.accessToken) == ["active": .bool(false)], "idled out")
            let fresh = try await h.login(client)
            for _ in 0..<4 {
                h.clock.advance(300)
                _ = try? await h.tokens.refreshGrant(client: client, refreshToken: fresh.refreshToken!, scope: nil)
            }
            #expect(try await h.tokens.introspect(token: fresh.accessToken) == ["active": .bool(false)], "past absolute lifetime")
            let third = try await h.login(client)
            try await h.tokens.logout(sessionID: third.sessionID!)
            #expect(try await h.tokens.introspect(token: third.accessToken) == ["active": .bool(false)], "logged out")
            #expect(try await h.tokens.introspect(token: third.refreshToken!) == ["active": .bool(false)])
        }
    }

    @Test("logout everywhere ends every session of the user", arguments: StoreKind.available)
    func logoutEverywhere(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let alice = try await h.user()
            try await h.user("bob")
            let client = try await h.webClient()
            let a1 = try await h.login(client), a2 = try await h.login(client), b = try await h.login(client, "bob")
            #expect(try await h.tokens.sessions(userID: alice.id).count == 2)
            #expect(try await h.tokens.logoutEverywhere(userID: alice.id) == 2)
            for token in [a1.accessToken, a2.accessToken] { await expectAuthError(.invalidToken) { try h.tokens.verifyAccessToken(token) } }
            #expect(throws: Never.self) { try h.tokens.verifyAccessToken(b.accessToken) }
            await expectAuthError(.notFound) { try await h.tokens.logout(sessionID: "no-such-session") }
        }
    }

    @Test("a revocation on one instance reaches another at its next poll", arguments: StoreKind.available)
    func crossInstanceRevocation(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            let other = try h.secondInstance()
            let now = Int64(h.clock.now)
            try await other.revokedSessions.refresh(from: h.store, now: now, retention: 3600)
            let pair = try await h.login(client)
            #expect(throws: Never.self) { try other.verifyAccessToken(pair.accessToken) }
            try await h.tokens.logout(sessionID: pair.sessionID!)
            try await other.revokedSessions.refresh(from: h.store, now: now, retention: 3600)
            await expectAuthError(.invalidToken) { try other.verifyAccessToken(pair.accessToken) }
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
                    group.addTask { await Result(catching: { try await h.tokens.refreshGrant(client: client, refreshToken: token, scope: nil) }) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let successes = results.compactMap { try? $0.get() }
            #expect(successes.count == 1)
            for case let .failure(error) in results { #expect((error as? AuthError)?.code == .invalidGrant, "\(error)") }
            // The losers replayed a spent token, so the family and session are revoked (grace 0).
            await expectAuthError(.invalidGrant) { try await h.tokens.refreshGrant(client: client, refreshToken: successes[0].refreshToken!, scope: nil) }
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
