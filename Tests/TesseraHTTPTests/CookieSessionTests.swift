import Configuration
import Foundation
import NIOHTTP1
import TesseraHTTP
import TesseraJWT
import Testing

@Suite("HTTP: cookie sessions")
struct CookieSessionTests {
    static func cookieLogin(_ h: AppHarness) async throws -> (secret: String, setCookie: String) {
        let login = await h.send(
            .POST, "/v1/login", headers: [("Content-Type", "application/json")],
            body: #"{"username":"alice","password":"correct horse battery staple","session":true}"#)
        #expect(login.status == .ok)
        let setCookie = try #require(login.headers.first(name: "Set-Cookie"))
        let secret = String(setCookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1)[1])
        return (secret, setCookie)
    }

    @Test("login with session:true sets a __Host- cookie: Secure, HttpOnly, SameSite=Lax, Path=/, a new secret each time")
    func attributes() async throws {
        try await withApp { h in
            _ = try await h.seed()
            let first = try await Self.cookieLogin(h)
            let attributes = Set(first.setCookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(first.setCookie.hasPrefix("__Host-tessera_session="))
            #expect(attributes.isSuperset(of: ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"]))
            #expect(!first.setCookie.contains("Domain"))
            let second = try await Self.cookieLogin(h)
            #expect(first.secret != second.secret && first.secret.utf8.count == 43)
        }
    }

    @Test("the cookie authenticates /v1/me; unknown cookies are ignored")
    func me() async throws {
        try await withApp { h in
            _ = try await h.seed()
            let cookie = try await Self.cookieLogin(h)
            let me = await h.send(.GET, "/v1/me", headers: [("Cookie", "theme=dark; __Host-tessera_session=\(cookie.secret)")])
            #expect(me.status == .ok && me.jsonBody?["username"] == .string("alice"))
            let unknown = await h.send(.GET, "/v1/me", headers: [("Cookie", "__Host-tessera_session=\(String(repeating: "A", count: 43))")])
            #expect(unknown.status == .unauthorized)
        }
    }

    @Test("a cookie-authenticated logout needs an allowed Origin (CSRF), then clears the cookie and ends the session")
    func logoutNeedsOrigin() async throws {
        try await withApp { h in
            _ = try await h.seed()
            let cookie = try await Self.cookieLogin(h)
            let jar = ("Cookie", "__Host-tessera_session=\(cookie.secret)")
            #expect(await h.send(.POST, "/v1/logout", headers: [jar]).status == .forbidden)
            #expect(await h.send(.POST, "/v1/logout", headers: [jar, ("Origin", "https://evil.example")]).status == .forbidden)
            let ok = await h.send(.POST, "/v1/logout", headers: [jar, ("Origin", "https://auth.test")])
            #expect(ok.status == .noContent && ok.headers.first(name: "Set-Cookie")?.contains("Max-Age=0") == true)
            #expect(await h.send(.GET, "/v1/me", headers: [jar]).status == .unauthorized)
        }
    }

    @Test("an Origin listed in http.cors_origins may make cookie-authenticated changes; an unlisted one may not")
    func listedOriginMayChange() async throws {
        try await withApp(["http.cors_origins": .init(.stringArray(["https://app.example"]), isSecret: false)]) { h in
            _ = try await h.seed()
            let jar = ("Cookie", "__Host-tessera_session=\(try await Self.cookieLogin(h).secret)")
            #expect(await h.send(.POST, "/v1/logout/all", headers: [jar, ("Origin", "https://other.example")]).status == .forbidden)
            let listed = await h.send(.POST, "/v1/logout/all", headers: [jar, ("Origin", "https://app.example")])
            #expect(listed.status == .noContent && listed.headers.first(name: "Access-Control-Allow-Origin") == "https://app.example")
        }
    }
}
