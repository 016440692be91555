import TesseraAuth
import TesseraCrypto
import TesseraJWT
import Testing

/// What the authorization code flow keeps, on every store: clients' redirect URIs, users'
/// e-mail, pending requests, codes, consents and the sessions a browser session started, and
/// a code that many exchanges race for.
@Suite("Contract: authorization code flow records")
struct AuthorizationCodeContractTests {
    static let redirect = "https://rp.example/cb"

    func rp(_ h: Harness) async throws -> OAuthClient {
        try await h.accounts.createClient(
            id: "rp", kind: .public, grants: [.authorizationCode, .refreshToken], scopes: ["read"], audiences: [],
            browser: .init(redirectURIs: [Self.redirect], postLogoutRedirectURIs: ["https://rp.example/bye"], firstParty: true)
        ).client
    }

    @Test("clients keep redirect URIs and the first-party flag; users keep an optional e-mail", arguments: StoreKind.available)
    func clientAndUserFields(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let client = try await rp(h)
            #expect(try await h.accounts.client(id: "rp") == client)
            let updated = try await h.accounts.updateClient(id: "rp", browser: .init(redirectURIs: ["com.example.app:/cb"], firstParty: false))
            #expect(try await h.accounts.client(id: "rp") == updated)
            #expect(updated.redirectURIs == ["com.example.app:/cb"] && !updated.firstParty && updated.postLogoutRedirectURIs == ["https://rp.example/bye"])
            let user = try await h.accounts.createUser(username: "alice", password: Harness.password, email: "alice@example.com")
            #expect(try await h.accounts.user(id: user.id).email == "alice@example.com")
            try await h.accounts.update(userID: user.id, .init(email: ""))
            #expect(try await h.accounts.user(id: user.id).email == nil)
            for bad in ["not an address", " alice@example.com", "a@b", "a@.b.c", "a@b..c", "a@@b.c", "a@b.c\u{2028}"] {
                await expectAuthError(.invalidInput) { try await h.accounts.createUser(username: "bob", password: Harness.password, email: bad) }
            }
            await expectAuthError(.invalidInput) {
                try await h.accounts.updateClient(id: "rp", browser: .init(redirectURIs: ["http://rp.example/cb"]))
            }
            await expectAuthError(.invalidInput) {
                try await h.accounts.createClient(id: "nowhere", kind: .public, grants: [.authorizationCode], scopes: [], audiences: [])
            }
        }
    }

    @Test("pending requests, codes and consents round-trip; expired ones are pruned", arguments: StoreKind.available)
    func records(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let user = try await h.user()
            _ = try await rp(h)
            let now = Int64(h.clock.now)
            let pending = PendingAuthorization(hash: "p1", browserHash: "b1", request: "{}", sessionID: nil, createdAt: now, expiresAt: now + 600)
            let code = AuthorizationCode(
                hash: "c1", clientID: "rp", userID: user.id, browserSessionID: "s1", redirectURI: Self.redirect, scope: "read",
                codeChallenge: "x", nonce: nil, authTime: now, createdAt: now, expiresAt: now + 60)
            try await h.store.transaction { tx in
                try await tx.insertPendingAuthorization(pending)
                try await tx.insertAuthorizationCode(code)
                try await tx.saveConsent(Consent(userID: user.id, clientID: "rp", scopes: ["read"], grantedAt: now))
                try await tx.saveConsent(Consent(userID: user.id, clientID: "rp", scopes: ["read", "write"], grantedAt: now + 1))
            }
            try await h.store.transaction { tx in
                var found = try #require(try await tx.pendingAuthorization(hash: "p1", forUpdate: true))
                #expect(found == pending)
                found.sessionID = "s1"
                try await tx.updatePendingAuthorization(found)
                var spent = try #require(try await tx.authorizationCodeForExchange(hash: "c1"))
                #expect(spent == code)
                spent.usedAt = now
                spent.tokenSessionID = "s2"
                try await tx.updateAuthorizationCode(spent)
            }
            let (stored, consents) = try await h.store.read { tx in
                (try await tx.pendingAuthorization(hash: "p1", forUpdate: false), try await tx.consents(userID: user.id))
            }
            #expect(stored?.sessionID == "s1")
            #expect(consents == [Consent(userID: user.id, clientID: "rp", scopes: ["read", "write"], grantedAt: now + 1)])
            #expect(try await h.store.transaction { try await $0.authorizationCodeForExchange(hash: "c1") }?.tokenSessionID == "s2")
            // An expired form goes at the next run; a used code stays for reuse detection until retention ends.
            h.clock.advance(601)
            _ = try await h.tokens.sessions.pruneExpired()
            let (prunedRequest, keptCode) = try await h.store.transaction { tx in
                (try await tx.pendingAuthorization(hash: "p1", forUpdate: false), try await tx.authorizationCodeForExchange(hash: "c1"))
            }
            #expect(prunedRequest == nil && keptCode != nil)
            h.clock.advance(Double(h.tokens.policy.endedRetention))
            _ = try await h.tokens.sessions.pruneExpired()
            #expect(try await h.store.transaction { try await $0.authorizationCodeForExchange(hash: "c1") } == nil)
            try await h.accounts.removeClient(id: "rp")
            #expect(try await h.store.read { try await $0.consents(userID: user.id) }.isEmpty)
        }
    }

    /// A browser session with a code for `rp`, as the login page leaves them.
    func code(_ h: Harness, verifier: String) async throws -> String {
        let user = try await h.user()
        let now = Int64(h.clock.now)
        let browser = Session(
            id: "browser-\(now)", userID: user.id, clientID: "rp", createdAt: now, lastSeenAt: now, idleExpiresAt: now + 600,
            absoluteExpiresAt: now + 3600, revokedAt: nil, cookieHash: "cookie")
        let code = try OpaqueSecret.generate()
        try await h.store.transaction { tx in
            try await tx.insertSession(browser)
            try await tx.insertAuthorizationCode(
                AuthorizationCode(
                    hash: code.storedHash, clientID: "rp", userID: user.id, browserSessionID: browser.id, redirectURI: Self.redirect, scope: "read",
                    codeChallenge: Base64URL.encode(try HashFunction.sha256.hash(Array(verifier.utf8))), nonce: nil, authTime: now, createdAt: now,
                    expiresAt: now + 60))
        }
        return code.value
    }

    @Test("of 20 concurrent exchanges of one code exactly one wins; the others revoke what it got", arguments: StoreKind.available)
    func oneWinner(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let client = try await rp(h)
            let verifier = String(repeating: "v", count: 43)
            let code = try await code(h, verifier: verifier)
            let results = await withTaskGroup(of: TokenResponse?.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try? await h.tokens.authorizationCode.grant(client: client, code: code, redirectURI: Self.redirect, codeVerifier: verifier)
                    }
                }
                return await group.reduce(into: [TokenResponse?]()) { $0.append($1) }
            }
            let winners = results.compactMap { $0 }
            #expect(winners.count == 1)
            let winner = try #require(winners.first)
            // The losers presented a used code: the winner's session and refresh token are revoked.
            let session = try #require(try await h.store.read { try await $0.session(id: winner.sessionID ?? "", forUpdate: false) })
            #expect(session.revokedAt != nil)
            #expect(session.parentID == "browser-\(Int64(h.clock.now))")
            #expect(try await h.store.read { try await $0.sessions(parentID: session.parentID ?? "") }.map(\.id) == [session.id])
        }
    }

    @Test("ending the browser session ends the sessions its codes started", arguments: StoreKind.available)
    func logoutCascades(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let client = try await rp(h)
            let verifier = String(repeating: "w", count: 43)
            let code = try await code(h, verifier: verifier)
            let issued = try await h.tokens.authorizationCode.grant(client: client, code: code, redirectURI: Self.redirect, codeVerifier: verifier)
            let refresh = try #require(issued.refreshToken)
            try await h.tokens.sessions.logout(sessionID: "browser-\(Int64(h.clock.now))")
            #expect(throws: AuthError.self) { try h.tokens.accessTokens.verify(issued.accessToken) }
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: client, refreshToken: refresh, scope: nil) }
        }
    }
}
