import Configuration
import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraHTTP
import TesseraJWT
import Testing

@Suite("HTTP: verify, login, logout, me, users")
struct SessionEndpointTests {
    @Test("/v1/verify: claims and X-Tessera headers for a good token; RFC 6750 challenges otherwise")
    func verify() async throws {
        try await withApp { h in
            _ = try await h.seed()
            let token = try await h.passwordLogin(scope: "read")["access_token"]!.stringValue!
            let good = await h.send(.GET, "/v1/verify", headers: [("Authorization", "Bearer \(token)")])
            #expect(good.status == .ok)
            #expect(good.headers["X-Tessera-Scope"] == ["read"] && good.headers["X-Tessera-Client"] == ["web"])
            let alice = try await h.accounts.user(username: "alice")
            #expect(good.headers.first(name: "X-Tessera-Subject") == alice.id)
            let none = await h.send(.GET, "/v1/verify")
            #expect(none.status == .unauthorized && none.headers["WWW-Authenticate"] == [#"Bearer realm="tessera""#])
            let bad = await h.send(.GET, "/v1/verify", headers: [("Authorization", "Bearer \(token.dropLast(2))xx")])
            #expect(bad.status == .unauthorized && bad.headers.first(name: "WWW-Authenticate")?.contains(#"error="invalid_token""#) == true)
            #expect(!bad.text.contains(token.prefix(20)), "the token is never echoed")
        }
    }

    @Test("/v1/login (JSON), /v1/me, /v1/logout and /v1/logout/all")
    func loginMeLogout() async throws {
        try await withApp { h in
            _ = try await h.seed()
            let login = await h.send(
                .POST, "/v1/login", headers: [("Content-Type", "application/json")],
                body: #"{"username":"Alice","password":"correct horse battery staple"}"#)
            #expect(login.status == .ok && login.headers["Cache-Control"] == ["no-store"])
            let token = try #require(login.jsonBody?["access_token"]?.stringValue)
            let me = await h.send(.GET, "/v1/me", headers: [("Authorization", "Bearer \(token)")])
            #expect(me.jsonBody?["username"] == .string("alice"))
            let wrong = await h.send(.POST, "/v1/login", headers: [("Content-Type", "application/json")], body: #"{"username":"alice","password":"nope nope"}"#)
            #expect(wrong.status == .unauthorized && wrong.headers["Content-Type"] == ["application/problem+json"])
            let malformed = await h.send(.POST, "/v1/login", headers: [("Content-Type", "application/json")], body: #"{"username":"alice""#)
            #expect(malformed.status == .unprocessableEntity && malformed.jsonBody?["field"] == .string("body"))
            #expect(await h.send(.POST, "/v1/logout", headers: [("Authorization", "Bearer \(token)")]).status == .noContent)
            #expect(await h.send(.GET, "/v1/me", headers: [("Authorization", "Bearer \(token)")]).status == .unauthorized)
            let second = try await h.passwordLogin()["access_token"]!.stringValue!
            let third = try await h.passwordLogin()["access_token"]!.stringValue!
            #expect(await h.send(.POST, "/v1/logout/all", headers: [("Authorization", "Bearer \(second)")]).status == .noContent)
            #expect(await h.send(.GET, "/v1/verify", headers: [("Authorization", "Bearer \(third)")]).status == .unauthorized)
        }
    }

    @Test("/v1/login through a confidential, unknown or missing client is 401, like a failed login")
    func loginNeedsAPublicClient() async throws {
        try await withApp(["http.login_client_id": ""]) { h in
            _ = try await h.seed()
            let json = [("Content-Type", "application/json")]
            for client in [#","client_id":"svc""#, #","client_id":"nope""#, ""] {
                let body = #"{"username":"alice","password":"correct horse battery staple"\#(client)}"#
                let response = await h.send(.POST, "/v1/login", headers: json, body: body)
                #expect(response.status == .unauthorized && response.jsonBody?["access_token"] == nil, "\(client)")
            }
            let good = await h.send(
                .POST, "/v1/login", headers: json, body: #"{"username":"alice","password":"correct horse battery staple","client_id":"web"}"#)
            #expect(good.status == .ok)
        }
    }

    @Test("user administration needs tessera:admin; 201 + Location, 409, 404, 422, 204")
    func users() async throws {
        try await withApp { h in
            let secret = try await h.seed().svc
            let plain = try await h.passwordLogin(scope: "read")["access_token"]!.stringValue!
            let forbidden = await h.send(.GET, "/v1/users", headers: [("Authorization", "Bearer \(plain)")])
            #expect(forbidden.status == .forbidden && forbidden.headers.first(name: "WWW-Authenticate")?.contains("insufficient_scope") == true)
            let admin = try #require(
                await h.form("/oauth/token", "grant_type=client_credentials&client_id=svc&client_secret=\(secret)").jsonBody?["access_token"]?.stringValue)
            let auth = [("Authorization", "Bearer \(admin)"), ("Content-Type", "application/json")]
            let created = await h.send(.POST, "/v1/users", headers: auth, body: #"{"username":"Bob","password":"bob's long password"}"#)
            #expect(created.status == .created)
            let id = try #require(created.jsonBody?["id"]?.stringValue)
            #expect(created.headers["Location"] == ["/v1/users/\(id)"])
            #expect(await h.send(.POST, "/v1/users", headers: auth, body: #"{"username":"bob","password":"another password"}"#).status == .conflict)
            let short = await h.send(.POST, "/v1/users", headers: auth, body: #"{"username":"carol","password":"short"}"#)
            #expect(short.status == .unprocessableEntity && short.jsonBody?["field"] == .string("password"))
            #expect(await h.send(.GET, "/v1/users/\(id)", headers: auth).jsonBody?["username"] == .string("bob"))
            #expect(await h.send(.PATCH, "/v1/users/\(id)", headers: auth, body: #"{"status":"disabled"}"#).jsonBody?["status"] == .string("disabled"))
            #expect(await h.send(.PATCH, "/v1/users/\(id)", headers: auth, body: #"{"status":"sleeping"}"#).status == .unprocessableEntity)
            let put = await h.send(.PUT, "/v1/users/\(id)", headers: auth, body: #"{"username":"robert","status":"active"}"#)
            #expect(put.status == .ok && put.jsonBody?["username"] == .string("robert") && put.jsonBody?["status"] == .string("active"))
            #expect(await h.send(.GET, "/v1/users?limit=1", headers: auth).jsonBody?["next_after"] == .string("alice"))
            #expect(await h.send(.DELETE, "/v1/users/\(id)", headers: auth).status == .noContent)
            #expect(await h.send(.GET, "/v1/users/\(id)", headers: auth).status == .notFound)
            #expect(await h.send(.POST, "/v1/signup", headers: auth, body: #"{"username":"eve","password":"long password"}"#).status == .notFound)
        }
    }
}
