import Configuration
import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraHTTP
import TesseraJWT
import TesseraSQLite
import Testing

/// Requests that change nothing never take the store's write lock, and limits follow what a
/// route costs rather than its method.
@Suite("HTTP: cheap requests")
struct CheapRequestTests {
    @Test("while another process holds SQLite's write lock, requests that change nothing are all answered")
    func noWriteLockForReads() async throws {
        try await withApp { h in
            let seed = try await h.seed()
            let cookie = try await CookieSessionTests.cookieLogin(h).secret
            let token = try #require(try await h.passwordLogin()["access_token"]?.stringValue)
            let admin = try #require(
                await h.form("/oauth/token", "grant_type=client_credentials&client_id=svc&client_secret=\(seed.svc)").jsonBody?["access_token"]?.stringValue)
            // Another process (the CLI, a second store) holds the write lock until released.
            let other = try await SQLiteAuthStore.open(path: h.directory.appendingPathComponent("t.db").path)
            let (locked, lockedNow) = AsyncStream.makeStream(of: Void.self)
            let (release, releaseNow) = AsyncStream.makeStream(of: Void.self)
            let holder = Task {
                try await other.transaction { _ in
                    lockedNow.yield()
                    for await _ in release { break }
                }
            }
            for await _ in locked { break }
            let calls: [(String, HTTPResponse, HTTPResponseStatus)] = [
                (
                    "unknown cookie", await h.send(.GET, "/v1/me", headers: [("Cookie", "__Host-tessera_session=\(String(repeating: "x", count: 43))")]),
                    .unauthorized
                ),
                ("known cookie", await h.send(.GET, "/v1/me", headers: [("Cookie", "__Host-tessera_session=\(cookie)")]), .ok),
                ("bearer", await h.send(.GET, "/v1/me", headers: [("Authorization", "Bearer \(token)")]), .ok),
                ("readiness", await h.send(.GET, "/readyz"), .ok),
                ("junk revocation", await h.form("/oauth/revoke", "client_id=web&token=junk"), .ok),
                ("wrong client secret", await h.form("/oauth/token", "grant_type=client_credentials&client_id=svc&client_secret=wrong"), .unauthorized),
                ("unknown client", await h.form("/oauth/introspect", "client_id=nobody&client_secret=x&token=t"), .unauthorized),
                ("introspection", await h.form("/oauth/introspect", "client_id=svc&client_secret=\(seed.svc)&token=\(token)"), .ok),
                ("admin read", await h.send(.GET, "/v1/users", headers: [("Authorization", "Bearer \(admin)")]), .ok),
            ]
            releaseNow.yield()
            releaseNow.finish()
            try await holder.value
            try await other.close()
            for (name, response, expected) in calls { #expect(response.status == expected, "\(name): \(response.status) \(response.text)") }
        }
    }

    @Test("limits follow cost: reads that reach the store are limited per address, event-loop routes never are")
    func limitsFollowCost() async throws {
        try await withApp(["http.rate_limit_burst": 3, "http.rate_limit_per_second": 1]) { h in
            let me = (0..<4).map { _ in "/v1/me" }
            var statuses: [HTTPResponseStatus] = []
            for path in me { statuses.append(await h.send(.GET, path).status) }
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests])
            for _ in 0..<20 {
                #expect(await h.send(.GET, "/v1/verify").status == .unauthorized)
                #expect(await h.send(.GET, "/.well-known/oauth-authorization-server").status == .ok)
            }
        }
    }
}

/// The revocation view fails closed: without a successful poll, a revocation made elsewhere
/// might be missing, so access tokens are refused until the store answers again.
@Suite("HTTP: a stale revocation view")
struct StaleRevocationTests {
    @Test("past revocation.max_staleness_seconds: /readyz and every bearer route answer 503; a poll restores them")
    func failsClosed() async throws {
        let clock = MovableClock()
        try await withApp(["revocation.max_staleness_seconds": 30], clock: clock.jwtClock) { h in
            let seed = try await h.seed()
            let token = try #require(try await h.passwordLogin()["access_token"]?.stringValue)
            let bearer = [("Authorization", "Bearer \(token)")]
            #expect(await h.send(.GET, "/v1/verify", headers: bearer).status == .ok)
            clock.advance(31)
            let verify = await h.send(.GET, "/v1/verify", headers: bearer)
            #expect(verify.status == .serviceUnavailable && verify.headers.first(name: "Retry-After") != nil)
            #expect(await h.send(.GET, "/v1/me", headers: bearer).status == .serviceUnavailable)
            #expect(await h.send(.GET, "/readyz").status == .serviceUnavailable)
            #expect(await h.form("/oauth/introspect", "client_id=svc&client_secret=\(seed.svc)&token=\(token)").status == .serviceUnavailable)
            try await h.tokens.sessions.refreshRevocations()
            clock.advance(1)
            #expect(await h.send(.GET, "/v1/verify", headers: bearer).status == .ok)
            #expect(await h.send(.GET, "/readyz").status == .ok)
            // Revoking still works on a stale view: it reads the store anyway.
            clock.advance(31)
            #expect(await h.form("/oauth/revoke", "client_id=web&token=\(token)").status == .ok)
            try await h.tokens.sessions.refreshRevocations()
            #expect(await h.send(.GET, "/v1/verify", headers: bearer).status == .unauthorized)
        }
    }

    @Test("revocation.fail_open keeps verifying on a stale view")
    func failsOpen() async throws {
        let clock = MovableClock()
        try await withApp(["revocation.max_staleness_seconds": 30, "revocation.fail_open": true], clock: clock.jwtClock) { h in
            _ = try await h.seed()
            let token = try #require(try await h.passwordLogin()["access_token"]?.stringValue)
            clock.advance(31)
            #expect(await h.send(.GET, "/v1/verify", headers: [("Authorization", "Bearer \(token)")]).status == .ok)
            #expect(await h.send(.GET, "/readyz").status == .ok)
        }
    }
}
