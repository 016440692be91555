import Configuration
import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraHTTP
import TesseraJWT
import Testing

/// The admin boundary through HTTP, attacked the way a user of the service would.
@Suite("HTTP: authorization")
struct AuthorizationTests {
    static let json = ("Content-Type", "application/json")

    static func bearer(_ token: String) -> (String, String) { ("Authorization", "Bearer \(token)") }

    @Test("escalation: an anonymous sign-up never reaches tessera:admin, through any grant or client")
    func noEscalation() async throws {
        try await withApp(["http.signup": true, "http.rate_limit_per_second": 0]) { h in
            let seed = try await h.seed()
            let withRoles = await h.send(
                .POST, "/v1/signup", headers: [Self.json], body: #"{"username":"mallory","password":"long enough password","roles":["admin"]}"#)
            #expect(withRoles.status == .unprocessableEntity && withRoles.jsonBody?["field"] == .string("roles"))
            #expect(
                await h.send(.POST, "/v1/signup", headers: [Self.json], body: #"{"username":"mallory","password":"long enough password"}"#).status == .created)
            let login = "username=mallory&password=long+enough+password"
            // (client authentication for a refresh, the token response)
            var tokens: [(String, JSONObject)] = []
            let console = "client_id=console&client_secret=\(seed.console)"
            for scope in ["", "&scope=tessera:admin", "&scope=read+tessera:admin"] {
                // Through the confidential client that carries the admin scope, asked for or not.
                tokens.append((console, try #require(await h.form("/oauth/token", "grant_type=password&\(console)&\(login)\(scope)").jsonBody)))
                // Through the public client, and through /v1/login.
                tokens.append(("client_id=web", try #require(await h.form("/oauth/token", "grant_type=password&client_id=web&\(login)\(scope)").jsonBody)))
                let body = #"{"username":"mallory","password":"long enough password","scope":"\#(scope.isEmpty ? "read" : "tessera:admin")"}"#
                tokens.append(("client_id=web", try #require(await h.send(.POST, "/v1/login", headers: [Self.json], body: body).jsonBody)))
            }
            for (client, issued) in tokens {
                #expect(issued["scope"]?.stringValue?.contains("tessera:admin") == false, "\(issued)")
                let token = try #require(issued["access_token"]?.stringValue)
                #expect(await h.send(.GET, "/v1/users", headers: [Self.bearer(token)]).status == .forbidden)
                // A refresh cannot widen the grant either.
                let refresh = try #require(issued["refresh_token"]?.stringValue)
                let wider = await h.form("/oauth/token", "grant_type=refresh_token&\(client)&refresh_token=\(refresh)&scope=tessera:admin")
                #expect(wider.status == .badRequest && wider.jsonBody?["error"] == .string("invalid_scope"))
                let same = await h.form("/oauth/token", "grant_type=refresh_token&\(client)&refresh_token=\(refresh)")
                #expect(same.status == .ok && same.jsonBody?["scope"]?.stringValue?.contains("tessera:admin") == false)
            }
            // The takeover the hole allowed: PATCH another user's password.
            let mallory = try #require(tokens[1].1["access_token"]?.stringValue)
            let takeover = await h.send(.PATCH, "/v1/users/anyone", headers: [Self.json, Self.bearer(mallory)], body: #"{"password":"owned owned owned"}"#)
            #expect(takeover.status == .forbidden && takeover.headers.first(name: "WWW-Authenticate")?.contains("insufficient_scope") == true)
        }
    }

    @Test("revoking admin: the old access token is refused on /v1/users at once and its session's refresh fails")
    func revokedAdmin() async throws {
        try await withApp { h in
            let seed = try await h.seed()
            let root = try #require(await h.consoleLogin(seed).jsonBody)
            #expect(root["scope"] == .string("read tessera:admin"))
            let token = try #require(root["access_token"]?.stringValue)
            let me = try #require(await h.send(.GET, "/v1/me", headers: [Self.bearer(token)]).jsonBody)
            #expect(me["roles"] == .array([.string("admin")]))
            let id = try #require(me["id"]?.stringValue)
            #expect(await h.send(.GET, "/v1/users", headers: [Self.bearer(token)]).status == .ok)
            // Another administrator (the svc client's own token) takes the role away.
            let svc = try #require(
                await h.form("/oauth/token", "grant_type=client_credentials&client_id=svc&client_secret=\(seed.svc)").jsonBody?["access_token"]?.stringValue)
            let patched = await h.send(.PATCH, "/v1/users/\(id)", headers: [Self.json, Self.bearer(svc)], body: #"{"roles":[]}"#)
            #expect(patched.status == .ok && patched.jsonBody?["roles"] == .array([]))
            let refused = await h.send(.GET, "/v1/users", headers: [Self.bearer(token)])
            #expect(refused.status == .unauthorized && refused.headers.first(name: "WWW-Authenticate")?.contains("invalid_token") == true)
            let refresh = try #require(root["refresh_token"]?.stringValue)
            let next = await h.form("/oauth/token", "grant_type=refresh_token&client_id=console&client_secret=\(seed.console)&refresh_token=\(refresh)")
            #expect(next.jsonBody?["error"] == .string("invalid_grant"))
            // Logging in again gives no admin scope any more.
            #expect(await h.consoleLogin(seed).jsonBody?["scope"] == .string("read"))
            let audit = try await h.accounts.auditEvents(limit: 5)
            #expect(audit.contains { $0.kind == .roleRevoked && $0.userID == id && $0.detail == "role admin; by client svc" })
            #expect(audit.contains { $0.kind == .sessionRevoked && $0.userID == id && $0.detail.hasPrefix("1 sessions ended") })
        }
    }

    @Test("a client's own admin token stops working on admin routes once the client is removed")
    func removedClient() async throws {
        try await withApp { h in
            let seed = try await h.seed()
            let svc = try #require(
                await h.form("/oauth/token", "grant_type=client_credentials&client_id=svc&client_secret=\(seed.svc)").jsonBody?["access_token"]?.stringValue)
            #expect(await h.send(.GET, "/v1/users", headers: [Self.bearer(svc)]).status == .ok)
            try await h.accounts.removeClient(id: "svc")
            #expect(await h.send(.GET, "/v1/users", headers: [Self.bearer(svc)]).status == .unauthorized)
        }
    }

    @Test("PATCH /v1/users/{id} is one transaction: a 409 or 422 on any field changes nothing; roles show in GET")
    func atomicPatch() async throws {
        try await withApp { h in
            let seed = try await h.seed()
            let svc = try #require(
                await h.form("/oauth/token", "grant_type=client_credentials&client_id=svc&client_secret=\(seed.svc)").jsonBody?["access_token"]?.stringValue)
            let auth = [Self.json, Self.bearer(svc)]
            let alice = try await h.accounts.user(username: "alice")
            let conflict = await h.send(
                .PATCH, "/v1/users/\(alice.id)", headers: auth, body: #"{"username":"root","password":"a new long password","roles":["admin"]}"#)
            #expect(conflict.status == .conflict)
            for body in [
                #"{"status":"disabled","roles":"admin"}"#, #"{"password":"a new long password","roles":["Admin"]}"#,
                #"{"roles":["admin"],"password":"short"}"#, #"{"roles":["admin"],"status":"gone"}"#,
            ] {
                let response = await h.send(.PATCH, "/v1/users/\(alice.id)", headers: auth, body: body)
                #expect(response.status == .unprocessableEntity, "\(body)")
            }
            #expect(try await h.accounts.user(id: alice.id) == alice)
            let granted = await h.send(.PATCH, "/v1/users/\(alice.id)", headers: auth, body: #"{"roles":["admin","ops"],"status":"active"}"#)
            #expect(granted.status == .ok && granted.jsonBody?["roles"] == .array([.string("admin"), .string("ops")]))
            #expect(await h.send(.GET, "/v1/users/\(alice.id)", headers: auth).jsonBody?["roles"] == .array([.string("admin"), .string("ops")]))
            let created = await h.send(.POST, "/v1/users", headers: auth, body: #"{"username":"carol","password":"carol's long password","roles":["ops"]}"#)
            #expect(created.status == .created && created.jsonBody?["roles"] == .array([.string("ops")]))
        }
    }

    @Test("every 401 from the token, revocation and introspection endpoints carries a challenge, credentials or not")
    func challenges() async throws {
        try await withApp { h in
            _ = try await h.seed()
            for (path, body) in [
                ("/oauth/token", "grant_type=client_credentials"), ("/oauth/revoke", "token=x"), ("/oauth/introspect", "token=x"),
                ("/oauth/token", "grant_type=client_credentials&client_id=nobody"), ("/oauth/introspect", "client_id=svc&client_secret=wrong&token=x"),
                ("/oauth/introspect", "client_id=web&token=x"),
            ] {
                let response = await h.form(path, body)
                #expect(response.status == .unauthorized && response.jsonBody?["error"] == .string("invalid_client"), "\(path) \(body)")
                #expect(response.headers.first(name: "WWW-Authenticate") == #"Basic realm="tessera", charset="UTF-8""#, "\(path) \(body)")
                #expect(response.jsonBody?["active"] == nil)
            }
        }
    }
}
