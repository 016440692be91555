import Configuration
import Foundation
import NIOHTTP1
import TesseraHTTP
import TesseraJWT
import Testing

/// The route groups authenticate before any handler runs: every route of the admin group
/// refuses each kind of caller that is not an admin, before touching its input.
@Suite("HTTP: route groups")
struct RouteGroupTests {
    static let adminRoutes: [(HTTPMethod, String)] = [
        (.GET, "/v1/users"), (.POST, "/v1/users"), (.GET, "/v1/users/u1"), (.PUT, "/v1/users/u1"), (.PATCH, "/v1/users/u1"),
        (.DELETE, "/v1/users/u1"),
    ]

    @Test("admin routes: no credentials → bare 401 challenge; a token without the scope → 403 insufficient_scope; a session cookie → 401")
    func adminGroupRefusesNonAdmins() async throws {
        // Many calls from one address: the per-address limit is another test's subject.
        try await withApp(["http.rate_limit_per_second": 0]) { h in
            let seed = try await h.seed()
            let reader = try #require(try await h.passwordLogin(scope: "read")["access_token"]?.stringValue)
            let cookie = try await CookieSessionTests.cookieLogin(h).secret
            let body = #"{"username":"mallory","password":"long enough password"}"#
            for (method, path) in Self.adminRoutes {
                let json = ("Content-Type", "application/json")
                let anonymous = await h.send(method, path, headers: [json], body: body)
                #expect(
                    anonymous.status == .unauthorized && anonymous.headers.first(name: "WWW-Authenticate") == #"Bearer realm="tessera""#, "\(method) \(path)")
                let scoped = await h.send(method, path, headers: [json, ("Authorization", "Bearer \(reader)")], body: body)
                #expect(scoped.status == .forbidden, "\(method) \(path)")
                #expect(scoped.headers.first(name: "WWW-Authenticate")?.contains("insufficient_scope") == true, "\(method) \(path)")
                let viaCookie = await h.send(
                    method, path,
                    headers: [
                        json, ("Cookie", "__Host-tessera_session=\(cookie)"),
                        ("Origin", "https://auth.test"),
                    ], body: body)
                #expect(viaCookie.status == .unauthorized, "\(method) \(path)")
            }
            // Nothing was created or changed by any refused call.
            let admin = try #require(await h.consoleLogin(seed).jsonBody?["access_token"]?.stringValue)
            let list = await h.send(.GET, "/v1/users", headers: [("Authorization", "Bearer \(admin)")])
            #expect(list.status == .ok && !list.text.contains("mallory"))
        }
    }

    @Test("session routes: a client_credentials token has no user session → 401 invalid_token")
    func sessionGroupNeedsAUserSession() async throws {
        try await withApp { h in
            let secret = try await h.seed().svc
            let issued = await h.form("/oauth/token", "grant_type=client_credentials&client_id=svc&client_secret=\(secret)")
            let token = try #require(issued.jsonBody?["access_token"]?.stringValue)
            for (method, path) in [(HTTPMethod.GET, "/v1/me"), (.POST, "/v1/logout"), (.POST, "/v1/logout/all")] {
                let response = await h.send(method, path, headers: [("Authorization", "Bearer \(token)")])
                #expect(response.status == .unauthorized, "\(method) \(path)")
                #expect(response.headers.first(name: "WWW-Authenticate")?.contains("invalid_token") == true, "\(method) \(path)")
            }
            #expect(await h.send(.GET, "/v1/verify", headers: [("Authorization", "Bearer \(token)")]).status == .ok)
        }
    }

    @Test("middleware acts on the way back for async routes too: request id, CORS and nosniff on a 401 from an async handler")
    func middlewareWrapsPendingResponses() async throws {
        try await withApp { h in
            let response = await h.send(.GET, "/v1/me", headers: [("Origin", "https://app.example"), ("X-Request-Id", "abc-123")])
            #expect(response.status == .unauthorized)
            #expect(response.headers.first(name: "X-Request-Id") == "abc-123")
            #expect(response.headers.first(name: "Access-Control-Allow-Origin") == "https://app.example")
            #expect(response.headers.first(name: "Access-Control-Expose-Headers") == "X-Request-Id, WWW-Authenticate, Retry-After")
            #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
        }
    }
}
