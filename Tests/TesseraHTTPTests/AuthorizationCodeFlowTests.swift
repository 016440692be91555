import Configuration
import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraCrypto
import TesseraJWT
import Testing

@testable import TesseraHTTP

/// The authorization code flow through the application: the hosted pages, single sign-on,
/// consent, the code exchange with PKCE, the ID token, UserInfo and logout, and one rejection
/// test per attack on them.
@Suite struct AuthorizationCodeFlowTests {
    static let ring = try! JWTKeyRing(keys: [JWTKey.generate(kid: "ec1", algorithm: .es256, created: 1)])
    static let redirect = "https://rp.example/callback"
    static let verifier = "dBjftJeZ4CNP-0123456789abcdefghijklmnopqrstuvwxyz"
    static var challenge: String { Base64URL.encode(try! HashFunction.sha256.hash(Array(verifier.utf8))) }

    /// A harness signing with an ES256 key, with user alice (e-mail set) and clients `rp`
    /// (public, asks consent) and `first` (confidential, first party).
    static func withFlow(clock: JWTClock = .fixed(AppHarness.now), _ body: (AppHarness, String) async throws -> Void) async throws {
        let jwks = ConfigValue(.string(String(decoding: try ring.jwksBytes(), as: UTF8.self)), isSecret: true)
        try await withApp(["keys.jwks": jwks], clock: clock) { app in
            _ = try await app.accounts.createUser(username: "alice", password: AppHarness.password, email: "alice@example.com")
            let browser = AccountService.BrowserSettings(redirectURIs: [redirect], postLogoutRedirectURIs: ["https://rp.example/bye"])
            _ = try await app.accounts.createClient(
                id: "rp", kind: .public, grants: [.authorizationCode, .refreshToken], scopes: ["openid", "profile", "email"], audiences: [],
                browser: browser)
            var firstParty = browser
            firstParty.firstParty = true
            let first = try await app.accounts.createClient(
                id: "first", kind: .confidential, grants: [.authorizationCode], scopes: ["openid"], audiences: [], browser: firstParty)
            try await body(app, first.secret!)
        }
    }

    /// The query of an authorization request from `rp` with PKCE, `state` and `nonce`; `extra` added or replacing.
    static func query(client: String = "rp", _ extra: [String: String?] = [:]) -> String {
        var parameters: [String: String?] = [
            "response_type": "code", "client_id": client, "redirect_uri": redirect, "scope": "openid profile email", "state": "s-1", "nonce": "n-1",
            "code_challenge": challenge, "code_challenge_method": "S256",
        ]
        parameters.merge(extra) { _, new in new }
        return parameters.compactMap { key, value in value.map { "\(key)=\(Self.encode($0))" } }.sorted().joined(separator: "&")
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"))!
    }

    /// A browser: the cookies it keeps.
    final class Browser: @unchecked Sendable {
        var cookies: [String: String] = [:]

        var header: [(String, String)] { cookies.isEmpty ? [] : [("Cookie", cookies.map { "\($0)=\($1)" }.joined(separator: "; "))] }

        func keep(_ response: HTTPResponse) {
            for line in response.headers[canonicalForm: "set-cookie"] {
                let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                cookies[String(pair[0])] = pair.count > 1 && !pair[1].isEmpty ? String(pair[1]) : nil
            }
        }

        func get(_ app: AppHarness, _ uri: String) async -> HTTPResponse {
            let response = await app.send(.GET, uri, headers: header)
            keep(response)
            return response
        }

        func post(_ app: AppHarness, _ uri: String, _ body: String) async -> HTTPResponse {
            let response = await app.form(uri, body, headers: header)
            keep(response)
            return response
        }
    }

    static func csrf(_ page: HTTPResponse) throws -> String {
        let text = page.text
        let start = try #require(text.range(of: "name=\"csrf_token\" value=\"")).upperBound
        return String(text[start...].prefix { $0 != "\"" })
    }

    /// The query parameters of a redirect's `Location`.
    static func location(_ response: HTTPResponse) throws -> [String: String] {
        #expect(response.status == .seeOther)
        let location = try #require(response.headers.first(name: "location"))
        return FormData.parse(String(location.split(separator: "?", maxSplits: 1).last ?? ""))
    }

    /// Logs alice in through the form and consents if asked; returns the redirect's parameters.
    static func signIn(_ app: AppHarness, _ browser: Browser, query: String = query()) async throws -> [String: String] {
        let page = await browser.get(app, "/oauth/authorize?" + query)
        #expect(page.status == .ok)
        var answer = await browser.post(app, "/oauth/login", "csrf_token=\(try csrf(page))&username=alice&password=correct+horse+battery+staple")
        if answer.status == .ok {
            #expect(answer.text.contains("class=\"scopes\""))
            answer = await browser.post(app, "/oauth/consent", "csrf_token=\(try csrf(answer))&decision=allow")
        }
        return try location(answer)
    }

    static func exchange(_ app: AppHarness, code: String, client: String = "client_id=rp", verifier: String = verifier) async -> HTTPResponse {
        await app.form(
            "/oauth/token",
            "grant_type=authorization_code&\(client)&code=\(code)&redirect_uri=\(Self.encode(redirect))&code_verifier=\(verifier)")
    }

    @Test func aBrowserLogsInConsentsAndGetsTokensAndAnIDToken() async throws {
        try await Self.withFlow { app, _ in
            let browser = Browser()
            let page = await browser.get(app, "/oauth/authorize?" + Self.query())
            #expect(page.status == .ok)
            // form-action names the client's origin too: browsers check it on the 303 after the post.
            #expect(
                page.headers.first(name: "content-security-policy")
                    == "default-src 'none'; style-src 'self'; form-action 'self' https://rp.example; frame-ancestors 'none'")
            #expect(page.headers.first(name: "x-frame-options") == "DENY")
            #expect(page.headers.first(name: "cache-control") == "no-store")
            #expect(page.headers.first(name: "referrer-policy") == "no-referrer")
            #expect(page.text.contains("autocomplete=\"username\"") && page.text.contains("autocomplete=\"current-password\""))
            #expect(browser.cookies["__Host-tessera_authz"] != nil)
            let consent = await browser.post(app, "/oauth/login", "csrf_token=\(try Self.csrf(page))&username=alice&password=correct+horse+battery+staple")
            #expect(consent.status == .ok)
            #expect(consent.text.contains("See your e-mail address"))
            #expect(browser.cookies["__Host-tessera_session"] != nil)
            let back = try Self.location(await browser.post(app, "/oauth/consent", "csrf_token=\(try Self.csrf(consent))&decision=allow"))
            #expect(back["state"] == "s-1")
            #expect(back["iss"] == "https://auth.test")
            let code = try #require(back["code"])
            let tokens = try #require(await Self.exchange(app, code: code).jsonBody)
            let accessToken = try #require(tokens["access_token"]?.stringValue)
            #expect(tokens["refresh_token"]?.stringValue != nil)
            #expect(tokens["scope"] == .string("openid profile email"))
            var options = JWTValidationOptions()
            options.expectedType = "JWT"
            options.issuer = "https://auth.test"
            options.audiences = ["rp"]
            options.clock = .fixed(AppHarness.now)
            let idToken = try JWTVerifier(keyRing: Self.ring, options: options).verify(try #require(tokens["id_token"]?.stringValue))
            #expect(idToken.header["alg"] == .string("ES256"))
            #expect(idToken.claims["nonce"] == .string("n-1"))
            #expect(idToken.claims["auth_time"] == .int(Int(AppHarness.now)))
            #expect(idToken.claims["amr"] == .array([.string("pwd")]))
            let digest = try HashFunction.sha256.hash(Array(accessToken.utf8))
            #expect(idToken.claims["at_hash"] == .string(Base64URL.encode(Array(digest.prefix(16)))))
            let access = try app.tokens.accessTokens.verify(accessToken)
            #expect(idToken.claims["sid"] == access.claims["sid"])
            #expect(idToken.claims.subject == access.claims.subject)
            let info = try #require(await app.send(.GET, "/userinfo", headers: [("Authorization", "Bearer \(accessToken)")]).jsonBody)
            #expect(info["sub"] == idToken.claims["sub"])
            #expect(info["preferred_username"] == .string("alice"))
            #expect(info["email"] == .string("alice@example.com"))
            #expect(info["email_verified"] == .bool(false))
        }
    }

    @Test func singleSignOnSkipsTheFormAndRememberedConsentSkipsThePage() async throws {
        let clock = MovableClock()
        try await Self.withFlow(clock: clock.jwtClock) { app, _ in
            let browser = Browser()
            _ = try await Self.signIn(app, browser)
            let again = try Self.location(await browser.get(app, "/oauth/authorize?" + Self.query(["state": "s-2"])))
            #expect(again["code"] != nil && again["state"] == "s-2")
            // prompt=login asks again; a login older than max_age asks again.
            #expect(await browser.get(app, "/oauth/authorize?" + Self.query(["prompt": "login"])).text.contains("name=\"password\""))
            clock.advance(10)
            #expect(await browser.get(app, "/oauth/authorize?" + Self.query(["max_age": "9"])).text.contains("name=\"password\""))
            #expect(try Self.location(await browser.get(app, "/oauth/authorize?" + Self.query(["max_age": "10"])))["code"] != nil)
            // A scope not consented to yet brings the consent page back.
            #expect(await browser.get(app, "/oauth/authorize?" + Self.query(["prompt": "consent"])).text.contains("class=\"scopes\""))
        }
    }

    @Test func aFirstPartyClientSkipsConsent() async throws {
        try await Self.withFlow { app, secret in
            let browser = Browser()
            let page = await browser.get(app, "/oauth/authorize?" + Self.query(client: "first", ["scope": "openid"]))
            let back = try Self.location(
                await browser.post(app, "/oauth/login", "csrf_token=\(try Self.csrf(page))&username=alice&password=correct+horse+battery+staple"))
            let tokens = await Self.exchange(app, code: try #require(back["code"]), client: "client_id=first&client_secret=\(secret)")
            #expect(tokens.status == .ok)
            #expect(tokens.jsonBody?["refresh_token"] == nil)
        }
    }

    @Test func promptNoneWithoutASessionAnswersLoginRequired() async throws {
        try await Self.withFlow { app, _ in
            let back = try Self.location(await Browser().get(app, "/oauth/authorize?" + Self.query(["prompt": "none"])))
            #expect(back["error"] == "login_required")
            #expect(back["state"] == "s-1")
            #expect(back["iss"] == "https://auth.test")
        }
    }

    @Test(
        arguments: [
            ("redirect_uri", "https://evil.example/callback"), ("redirect_uri", "https://rp.example/callback/../x"), ("client_id", "nobody"),
            ("redirect_uri", nil), ("client_id", nil),
        ] as [(String, String?)])
    func anUnknownClientOrRedirectURIGetsAPageAndNeverARedirect(name: String, value: String?) async throws {
        try await Self.withFlow { app, _ in
            let response = await Browser().get(app, "/oauth/authorize?" + Self.query([name: value]))
            #expect(response.status == .badRequest)
            #expect(response.headers.first(name: "location") == nil)
            #expect(!response.text.contains("evil.example"))
        }
    }

    @Test(
        arguments: [
            ("code_challenge", nil, "invalid_request"), ("code_challenge_method", "plain", "invalid_request"),
            ("code_challenge_method", nil, "invalid_request"),
            ("code_challenge", "too-short", "invalid_request"), ("response_type", "token", "unsupported_response_type"),
            ("scope", "openid \u{7F}", "invalid_scope"), ("prompt", "none login", "invalid_request"), ("max_age", "-1", "invalid_request"),
            ("nonce", "a\u{0}b", "invalid_request"), ("scope", String(repeating: "s ", count: 600), "invalid_scope"),
        ] as [(String, String?, String)])
    func aBadParameterRedirectsWithAnError(name: String, value: String?, error: String) async throws {
        try await Self.withFlow { app, _ in
            let back = try Self.location(await Browser().get(app, "/oauth/authorize?" + Self.query([name: value])))
            #expect(back["error"] == error)
            #expect(back["state"] == "s-1")
            #expect(back["code"] == nil)
        }
    }

    @Test func aWrongCodeVerifierIsRefused() async throws {
        try await Self.withFlow { app, _ in
            let back = try await Self.signIn(app, Browser())
            let refused = await Self.exchange(app, code: try #require(back["code"]), verifier: String(repeating: "x", count: 43))
            #expect(refused.status == .badRequest)
            #expect(refused.jsonBody?["error"] == .string("invalid_grant"))
        }
    }

    @Test func aCodeIsBoundToItsClientAndRedirectURI() async throws {
        try await Self.withFlow { app, secret in
            let code = try #require(try await Self.signIn(app, Browser())["code"])
            #expect(await Self.exchange(app, code: code, client: "client_id=first&client_secret=\(secret)").jsonBody?["error"] == .string("invalid_grant"))
            let otherRedirect = await app.form(
                "/oauth/token",
                "grant_type=authorization_code&client_id=rp&code=\(code)&redirect_uri=https%3A%2F%2Frp.example%2Fother&code_verifier=\(Self.verifier)")
            #expect(otherRedirect.jsonBody?["error"] == .string("invalid_grant"))
            // Neither attempt spent it.
            #expect(await Self.exchange(app, code: code).status == .ok)
        }
    }

    @Test func aReusedCodeIsRefusedAndRevokesWhatItGave() async throws {
        try await Self.withFlow { app, _ in
            let code = try #require(try await Self.signIn(app, Browser())["code"])
            let first = try #require(await Self.exchange(app, code: code).jsonBody)
            let second = await Self.exchange(app, code: code)
            #expect(second.jsonBody?["error"] == .string("invalid_grant"))
            let accessToken = try #require(first["access_token"]?.stringValue)
            #expect(throws: AuthError.self) { try app.tokens.accessTokens.verify(accessToken) }
            let refresh = await app.form(
                "/oauth/token", "grant_type=refresh_token&client_id=rp&refresh_token=\(try #require(first["refresh_token"]?.stringValue))")
            #expect(refresh.jsonBody?["error"] == .string("invalid_grant"))
        }
    }

    @Test func aCodeExpiresAfterSixtySeconds() async throws {
        let clock = MovableClock()
        try await Self.withFlow(clock: clock.jwtClock) { app, _ in
            let code = try #require(try await Self.signIn(app, Browser())["code"])
            clock.advance(60)
            #expect(await Self.exchange(app, code: code).jsonBody?["error"] == .string("invalid_grant"))
        }
    }

    @Test func aLoginPostWithoutTheCSRFTokenOrFromAnotherBrowserIsForbidden() async throws {
        try await Self.withFlow { app, _ in
            let browser = Browser()
            let token = try Self.csrf(await browser.get(app, "/oauth/authorize?" + Self.query()))
            let credentials = "username=alice&password=correct+horse+battery+staple"
            #expect(await browser.post(app, "/oauth/login", credentials).status == .forbidden)
            #expect(await browser.post(app, "/oauth/login", "csrf_token=\(String(repeating: "A", count: 43))&" + credentials).status == .forbidden)
            // The attacker's own pending request posted from the victim's browser (login CSRF).
            #expect(await Browser().post(app, "/oauth/login", "csrf_token=\(token)&" + credentials).status == .forbidden)
            #expect(await browser.post(app, "/oauth/consent", "csrf_token=\(token)&decision=allow").status == .forbidden)
        }
    }

    @Test func aFailedLoginShowsTheFormAgainWithTheUsernameAndAGenericError() async throws {
        try await Self.withFlow { app, _ in
            let browser = Browser()
            let page = await browser.get(app, "/oauth/authorize?" + Self.query())
            for username in ["alice", "nobody"] {
                let failed = await browser.post(app, "/oauth/login", "csrf_token=\(try Self.csrf(page))&username=\(username)&password=wrong+password+here")
                #expect(failed.status == .unauthorized)
                #expect(failed.text.contains("Invalid username or password."))
                #expect(failed.text.contains("value=\"\(username)\""))
                #expect(!failed.text.contains("wrong+password") && !failed.text.contains("wrong password"))
                #expect(browser.cookies["__Host-tessera_session"] == nil)
            }
        }
    }

    @Test func denyingConsentRedirectsWithAccessDenied() async throws {
        try await Self.withFlow { app, _ in
            let browser = Browser()
            let page = await browser.get(app, "/oauth/authorize?" + Self.query())
            let consent = await browser.post(app, "/oauth/login", "csrf_token=\(try Self.csrf(page))&username=alice&password=correct+horse+battery+staple")
            let back = try Self.location(await browser.post(app, "/oauth/consent", "csrf_token=\(try Self.csrf(consent))&decision=deny"))
            #expect(back["error"] == "access_denied")
            #expect(back["code"] == nil)
        }
    }

    @Test func logoutWithAnIDTokenHintEndsTheSessionsAndReturnsOnlyToARegisteredURI() async throws {
        try await Self.withFlow { app, _ in
            let browser = Browser()
            let code = try #require(try await Self.signIn(app, browser)["code"])
            let tokens = try #require(await Self.exchange(app, code: code).jsonBody)
            let hint = try #require(tokens["id_token"]?.stringValue)
            let unregistered = await browser.get(app, "/oauth/logout?id_token_hint=\(hint)&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F")
            #expect(unregistered.status == .ok)
            #expect(unregistered.headers.first(name: "location") == nil)
            #expect(throws: AuthError.self) { try app.tokens.accessTokens.verify(try #require(tokens["access_token"]?.stringValue)) }
            #expect(browser.cookies["__Host-tessera_session"] == nil)
            // The next authorization request shows the form again.
            #expect(await browser.get(app, "/oauth/authorize?" + Self.query()).text.contains("name=\"password\""))
            let back = try Self.location(
                await browser.get(app, "/oauth/logout?id_token_hint=\(hint)&post_logout_redirect_uri=https%3A%2F%2Frp.example%2Fbye&state=x"))
            #expect(back["state"] == "x")
        }
    }

    @Test func aLogoutLinkWithoutAHintEndsNothingUntilConfirmed() async throws {
        try await Self.withFlow { app, _ in
            let browser = Browser()
            _ = try await Self.signIn(app, browser)
            let page = await browser.get(app, "/oauth/logout")
            #expect(page.text.contains("Sign out?"))
            #expect(browser.cookies["__Host-tessera_session"] != nil)
            let token = try Self.csrf(page)
            let crossSite = await app.form("/oauth/logout", "csrf_token=\(token)", headers: browser.header + [("Origin", "https://evil.example")])
            #expect(crossSite.status == .forbidden)
            #expect(await browser.post(app, "/oauth/logout", "").status == .forbidden)
            #expect(await browser.post(app, "/oauth/logout", "csrf_token=\(String(repeating: "A", count: 43))").status == .forbidden)
            #expect(browser.cookies["__Host-tessera_session"] != nil)
            #expect(await app.form("/oauth/logout", "csrf_token=\(token)", headers: browser.header + [("Origin", "null")]).status == .ok)
            #expect(await browser.get(app, "/oauth/authorize?" + Self.query()).text.contains("name=\"password\""))
        }
    }

    @Test func openIDNeedsAnAsymmetricKey() async throws {
        try await withApp { app in
            _ = try await app.accounts.createUser(username: "alice", password: AppHarness.password)
            _ = try await app.accounts.createClient(
                id: "rp", kind: .public, grants: [.authorizationCode], scopes: ["openid"], audiences: [],
                browser: .init(redirectURIs: [Self.redirect], firstParty: true))
            let back = try await Self.signIn(app, Browser(), query: Self.query(["scope": "openid"]))
            #expect(back["error"] == "invalid_scope")
            let discovery = try #require(await app.send(.GET, "/.well-known/openid-configuration").jsonBody)
            #expect(discovery["id_token_signing_alg_values_supported"] == .array([]))
        }
    }

    @Test func discoveryNamesEveryEndpoint() async throws {
        try await Self.withFlow { app, _ in
            let discovery = try #require(await app.send(.GET, "/.well-known/openid-configuration").jsonBody)
            #expect(discovery["issuer"] == .string("https://auth.test"))
            #expect(discovery["authorization_endpoint"] == .string("https://auth.test/oauth/authorize"))
            #expect(discovery["userinfo_endpoint"] == .string("https://auth.test/userinfo"))
            #expect(discovery["end_session_endpoint"] == .string("https://auth.test/oauth/logout"))
            #expect(discovery["code_challenge_methods_supported"] == .array([.string("S256")]))
            #expect(discovery["id_token_signing_alg_values_supported"] == .array([.string("ES256")]))
            #expect(discovery["authorization_response_iss_parameter_supported"] == .bool(true))
        }
    }

    @Test func usersSeeAndRevokeTheirConsentsWithTheirSession() async throws {
        try await Self.withFlow { app, _ in
            let browser = Browser()
            let code = try #require(try await Self.signIn(app, browser)["code"])
            let tokens = try #require(await Self.exchange(app, code: code).jsonBody)
            let listed = try #require(await app.send(.GET, "/v1/me/consents", headers: browser.header).jsonBody)
            guard case let .array(consents)? = listed["consents"] else {
                Issue.record("no consents")
                return
            }
            #expect(consents.first?.objectValue?["client_id"] == .string("rp"))
            let revoke = await app.send(.DELETE, "/v1/me/consents/rp", headers: browser.header + [("Origin", "https://auth.test")])
            #expect(revoke.status == .noContent)
            // The client's sessions for the user ended with the consent.
            let refreshToken = try #require(tokens["refresh_token"]?.stringValue)
            let refresh = await app.form("/oauth/token", "grant_type=refresh_token&client_id=rp&refresh_token=\(refreshToken)")
            #expect(refresh.jsonBody?["error"] == .string("invalid_grant"))
            // And the next authorization asks again.
            #expect(await browser.get(app, "/oauth/authorize?" + Self.query()).text.contains("class=\"scopes\""))
        }
    }

    @Test func aThirdPartyTokenCannotUseTheAccountRoutes() async throws {
        try await Self.withFlow { app, _ in
            let code = try #require(try await Self.signIn(app, Browser())["code"])
            let token = try #require(await Self.exchange(app, code: code).jsonBody?["access_token"]?.stringValue)
            let bearer = [("Authorization", "Bearer \(token)")]
            for (method, path) in [(HTTPMethod.GET, "/v1/me"), (.GET, "/v1/me/consents"), (.POST, "/v1/logout/all"), (.DELETE, "/v1/me/consents/rp")] {
                #expect(await app.send(method, path, headers: bearer).status == .forbidden, "\(path)")
            }
            #expect(await app.send(.GET, "/userinfo", headers: bearer).status == .ok)
        }
    }

    @Test(arguments: ["", "unregistered"])
    func aClientLearnsWhoTheUserIsOnlyWithConsentEvenForNoScope(scope: String) async throws {
        try await Self.withFlow { app, _ in
            let browser = Browser()
            _ = try await Self.signIn(app, browser, query: Self.query(client: "first", ["scope": "openid"]))
            let silent = try Self.location(await browser.get(app, "/oauth/authorize?" + Self.query(["scope": scope, "prompt": "none"])))
            #expect(silent["error"] == "consent_required")
            #expect(silent["code"] == nil)
            #expect(await browser.get(app, "/oauth/authorize?" + Self.query(["scope": scope])).text.contains("class=\"scopes\""))
        }
    }

    @Test func aPublicClientWithALoopbackRedirectAlwaysAsksTheUser() async throws {
        try await Self.withFlow { app, _ in
            _ = try await app.accounts.createClient(
                id: "native", kind: .public, grants: [.authorizationCode], scopes: ["openid"], audiences: [],
                browser: .init(redirectURIs: ["http://127.0.0.1/cb"], firstParty: true))
            let browser = Browser()
            _ = try await Self.signIn(app, browser, query: Self.query(client: "first", ["scope": "openid"]))
            let native = { (extra: [String: String?]) in
                Self.query(client: "native", ["redirect_uri": "http://127.0.0.1:50123/cb", "scope": "openid"].merging(extra) { _, new in new })
            }
            #expect(await browser.get(app, "/oauth/authorize?" + native([:])).text.contains("class=\"scopes\""))
            #expect(try Self.location(await browser.get(app, "/oauth/authorize?" + native(["prompt": "none"])))["error"] == "consent_required")
        }
    }

    @Test func aFormAnsweredTwiceAtOnceIsAnsweredOnce() async throws {
        try await Self.withFlow { app, _ in
            let browser = Browser()
            let page = await browser.get(app, "/oauth/authorize?" + Self.query())
            let consent = await browser.post(app, "/oauth/login", "csrf_token=\(try Self.csrf(page))&username=alice&password=correct+horse+battery+staple")
            let form = "csrf_token=\(try Self.csrf(consent))&decision=allow"
            async let first = app.form("/oauth/consent", form, headers: browser.header)
            async let second = app.form("/oauth/consent", form, headers: browser.header)
            let statuses = [await first.status, await second.status].sorted { $0.code < $1.code }
            #expect(statuses == [.seeOther, .forbidden])
        }
    }

    @Test func anotherClientPresentingASpentCodeRevokesNothing() async throws {
        try await Self.withFlow { app, secret in
            let code = try #require(try await Self.signIn(app, Browser())["code"])
            let accessToken = try #require(await Self.exchange(app, code: code).jsonBody?["access_token"]?.stringValue)
            let stolen = await Self.exchange(app, code: code, client: "client_id=first&client_secret=\(secret)")
            #expect(stolen.jsonBody?["error"] == .string("invalid_grant"))
            #expect((try? app.tokens.accessTokens.verify(accessToken)) != nil)
        }
    }

    @Test func anOldHintFromAnotherLoginDoesNotSignTheBrowserOut() async throws {
        try await Self.withFlow { app, _ in
            // An ID token from an earlier, separate login of the same user.
            let code = try #require(try await Self.signIn(app, Browser())["code"])
            let hint = try #require(await Self.exchange(app, code: code).jsonBody?["id_token"]?.stringValue)
            let browser = Browser()
            _ = try await Self.signIn(app, browser)
            let page = await browser.get(app, "/oauth/logout?id_token_hint=\(hint)")
            #expect(page.text.contains("Signed out"))
            #expect(browser.cookies["__Host-tessera_session"] != nil)
            #expect(try Self.location(await browser.get(app, "/oauth/authorize?" + Self.query(["prompt": "none"])))["code"] != nil)
        }
    }

    @Test func anAccessTokenIsNotAnIDTokenHint() async throws {
        try await Self.withFlow { app, _ in
            let browser = Browser()
            let code = try #require(try await Self.signIn(app, browser)["code"])
            let access = try #require(await Self.exchange(app, code: code).jsonBody?["access_token"]?.stringValue)
            #expect(await browser.get(app, "/oauth/logout?id_token_hint=\(access)").status == .badRequest)
            #expect(browser.cookies["__Host-tessera_session"] != nil)
        }
    }
}

/// Which redirect URIs a client may register, and how a request's is matched.
@Suite struct RedirectURITests {
    @Test(arguments: ["https://rp.example/cb", "https://rp.example:8443/cb?x=1", "http://127.0.0.1:8080/cb", "http://[::1]/cb", "com.example.app:/cb"])
    func allowed(uri: String) throws {
        #expect(try RedirectURI.validated(uri) == uri)
    }

    @Test(arguments: [
        "http://rp.example/cb", "http://localhost:8080/cb", "https://rp.example/cb#frag", "https://user@rp.example/cb", "https://*.rp.example/cb",
        "javascript:alert(1)", "data:text/html,x", "myapp:/cb", "/relative", "", "https://rp.example/c b",
    ])
    func refused(uri: String) {
        #expect(throws: AuthError.self) { try RedirectURI.validated(uri) }
    }

    @Test func escapingIsPerScalarSoACombiningMarkCannotHideAQuote() {
        #expect(LoginPages.escape("a\"\u{301}<b>") == "a&quot;\u{301}&lt;b&gt;")
    }

    @Test func theLoginPagesFormActionNamesTheRedirectOrigin() {
        #expect(LoginPages.formTarget(for: "https://rp.example:8443/cb?x=1") == "https://rp.example:8443")
        #expect(LoginPages.formTarget(for: "http://127.0.0.1:51234/cb") == "http://127.0.0.1:51234")
        #expect(LoginPages.formTarget(for: "com.example.app:/cb") == "com.example.app:")
    }

    @Test func matchingIsExactButLoopbackPortsAreFree() {
        let registered = ["https://rp.example/cb", "http://127.0.0.1/native"]
        #expect(RedirectURI.matches("https://rp.example/cb", registered: registered))
        #expect(!RedirectURI.matches("https://rp.example/cb/", registered: registered))
        #expect(!RedirectURI.matches("https://RP.example/cb", registered: registered))
        #expect(!RedirectURI.matches("https://rp.example/cb?x=1", registered: registered))
        #expect(RedirectURI.matches("http://127.0.0.1:51234/native", registered: registered))
        #expect(!RedirectURI.matches("http://127.0.0.1:51234/other", registered: registered))
        #expect(!RedirectURI.matches("http://127.0.0.2:51234/native", registered: registered))
    }
}
