import Configuration
import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraCrypto
import TesseraHTTP
import TesseraJWT
import Testing

/// Introspection is answered without the store for access tokens and for a client read within
/// the last second: a resource server may introspect every request. What that costs in
/// freshness is bounded and tested here.
@Suite struct IntrospectionFromMemoryTests {
    @Test func anIntrospectorRemovedHereIsRefusedAtOnce() async throws {
        try await withApp { app in
            let seed = try await app.seed()
            let token = try #require(try await app.passwordLogin()["access_token"]?.stringValue)
            let basic = ("Authorization", "Basic " + Data("svc:\(seed.svc)".utf8).base64EncodedString())
            #expect(await app.form("/oauth/introspect", "token=\(token)", headers: [basic]).jsonBody?["active"] == .bool(true))
            try await app.accounts.removeClient(id: "svc")
            #expect(await app.form("/oauth/introspect", "token=\(token)", headers: [basic]).status == .unauthorized)
        }
    }

    @Test func anIntrospectorRemovedByAnotherInstanceIsRefusedWithinASecondAndEverywhereElseAtOnce() async throws {
        let clock = MovableClock()
        try await withApp(clock: clock.jwtClock) { app in
            let seed = try await app.seed()
            let token = try #require(try await app.passwordLogin()["access_token"]?.stringValue)
            let basic = ("Authorization", "Basic " + Data("svc:\(seed.svc)".utf8).base64EncodedString())
            let introspect = { await app.form("/oauth/introspect", "token=\(token)", headers: [basic]) }
            #expect(await introspect().jsonBody?["active"] == .bool(true))
            let other = TokenService(
                environment: AuthEnvironment(store: app.store, policy: app.tokens.policy, clock: clock.jwtClock, hasher: PasswordHasher()),
                keyRing: app.tokens.accessTokens.keyRing)
            try await AccountService(tokens: other).removeClient(id: "svc")
            // Minting reads the store: refused at once.
            #expect(await app.form("/oauth/token", "grant_type=client_credentials", headers: [basic]).status == .unauthorized)
            // Introspection may use the record read less than a second ago.
            #expect(await introspect().jsonBody?["active"] == .bool(true))
            clock.advance(1)
            #expect(await introspect().status == .unauthorized)
        }
    }

    @Test func anIntrospectionWeighsA128thOfARequestInItsClientsBucket() async throws {
        try await withApp(["http.client_rate_limit_burst": 2, "http.client_rate_limit_per_second": 1]) { app in
            let seed = try await app.seed()
            let token = try #require(try await app.passwordLogin()["access_token"]?.stringValue)
            let basic = ("Authorization", "Basic " + Data("svc:\(seed.svc)".utf8).base64EncodedString())
            for _ in 0..<128 {
                #expect(await app.form("/oauth/introspect", "token=\(token)", headers: [basic]).status == .ok)
            }
            // The 128 used one of the two tokens: one more token request passes, the next waits.
            #expect(await app.form("/oauth/token", "grant_type=client_credentials", headers: [basic]).status == .ok)
            #expect(await app.form("/oauth/token", "grant_type=client_credentials", headers: [basic]).status == .tooManyRequests)
        }
    }

    @Test func aNewPermissionToIntrospectTakesEffectAtOnce() async throws {
        try await withApp { app in
            let seed = try await app.seed()
            let token = try #require(try await app.passwordLogin()["access_token"]?.stringValue)
            let basic = ("Authorization", "Basic " + Data("console:\(seed.console)".utf8).base64EncodedString())
            #expect(await app.form("/oauth/introspect", "token=\(token)", headers: [basic]).status == .forbidden)
            try await app.accounts.updateClient(id: "console", introspect: true)
            #expect(await app.form("/oauth/introspect", "token=\(token)", headers: [basic]).jsonBody?["active"] == .bool(true))
        }
    }

    @Test func anAccessTokenOfAnEndedSessionIsInactiveAfterThePollWithoutAStoreRead() async throws {
        try await withApp { app in
            let seed = try await app.seed()
            let login = try await app.passwordLogin()
            let token = try #require(login["access_token"]?.stringValue)
            let basic = ("Authorization", "Basic " + Data("svc:\(seed.svc)".utf8).base64EncodedString())
            let sid = try #require(try app.tokens.accessTokens.verify(token).claims.sessionID)
            // Ended by another instance: this one learns it at its next revocation poll.
            let other = TokenService(environment: app.tokens.environment, keyRing: app.tokens.accessTokens.keyRing)
            try await other.sessions.logout(sessionID: sid)
            #expect(await app.form("/oauth/introspect", "token=\(token)", headers: [basic]).jsonBody?["active"] == .bool(true))
            try await app.tokens.sessions.refreshRevocations()
            #expect(await app.form("/oauth/introspect", "token=\(token)", headers: [basic]).jsonBody?["active"] == .bool(false))
        }
    }
}
