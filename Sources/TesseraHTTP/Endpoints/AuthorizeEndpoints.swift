import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraCrypto
import TesseraJWT

/// The browser side of the authorization code flow: `GET /oauth/authorize` (RFC 6749 §4.1.1),
/// the hosted login (`POST /oauth/login`) and consent (`POST /oauth/consent`) forms, and
/// RP-initiated logout (`/oauth/logout`). Every answer is an HTML page or a 303 redirect.
extension Endpoints {
    var authorizeRoutes: [Route] {
        var group = publicRoutes(.problem)
        group.async(.GET, "/oauth/authorize") { request, _ in try await authorize(request) }
        group.async(.POST, "/oauth/login") { request, _ in try await submitLogin(request) }
        group.async(.POST, "/oauth/consent") { request, _ in try await submitConsent(request) }
        group.async(.GET, "/oauth/logout") { request, _ in try await logout(request, confirmed: false) }
        group.async(.POST, "/oauth/logout") { request, _ in try await logout(request, confirmed: true) }
        let stylesheet = HTTPResponse(
            status: .ok, headers: ["Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=86400"], body: LoginPages.stylesheet)
        group.sync(.GET, "/oauth/static/login.css") { _, _ in stylesheet }
        return group.routes
    }

    /// The cookie that binds a pending request's forms to the browser that started it: a form
    /// posted from anywhere else (login CSRF) finds no matching cookie.
    static let bindingCookie = "__Host-tessera_authz"

    private func authorize(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let parameters = FormData.parseStrict(request.queryString) else {
            return errorPage(.badRequest, "The sign-in request is malformed.")
        }
        let flow = tokens.authorization
        return try await answering {
            let (client, redirectURI) = try await flow.client(parameters)
            let authorization = try flow.request(parameters, client: client, redirectURI: redirectURI)
            let binding = try browserBinding(request)
            let step = try await flow.start(authorization, session: try await browserSession(request), browser: binding)
            var response = render(step)
            // Sent again with every page, so a form shown now outlives an older cookie.
            if case .redirect = step {} else { response.headers.add(name: "Set-Cookie", value: Self.bindingCookieHeader(binding)) }
            return response
        }
    }

    private func submitLogin(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let form = pageForm(request, ["csrf_token", "username", "password"]) else { return errorPage(.badRequest, "The form is malformed.") }
        let flow = tokens.authorization
        return try await answering {
            do {
                let (step, cookie) = try await flow.login(
                    csrfToken: form["csrf_token"] ?? "", browser: SessionCookie.value(named: Self.bindingCookie, in: request), username: form["username"] ?? "",
                    password: form["password"] ?? "", ip: request.remoteIP)
                var response = render(step)
                response.headers.add(name: "Set-Cookie", value: SessionCookie.set(cookie, maxAge: tokens.policy.cookieSessionAbsoluteTimeout))
                return response
            } catch let refused as LoginRefused {
                let throttled = refused.error.code == .throttled
                let message = throttled ? "Too many failed attempts. Try again later." : "Invalid username or password."
                var response = LoginPages.response(
                    LoginPages.login(
                        pages, csrfToken: refused.form.csrfToken, clientID: refused.form.clientID, username: form["username"] ?? "", error: message),
                    status: throttled ? .tooManyRequests : .unauthorized, redirectURI: refused.form.redirectURI)
                if let wait = refused.error.retryAfter { response.headers.replaceOrAdd(name: "Retry-After", value: String(wait)) }
                return response
            }
        }
    }

    private func submitConsent(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let form = pageForm(request, ["csrf_token", "decision"]) else { return errorPage(.badRequest, "The form is malformed.") }
        let flow = tokens.authorization
        return try await answering {
            let step = try await flow.consent(
                csrfToken: form["csrf_token"] ?? "", browser: SessionCookie.value(named: Self.bindingCookie, in: request),
                session: try await browserSession(request), allow: form["decision"] == "allow")
            return render(step)
        }
    }

    /// RP-initiated logout. GET with an `id_token_hint` ends its session at once; without one,
    /// the user confirms on a page whose form posts back here with the browser's binding cookie
    /// as its CSRF token (double submit: a cross-site page cannot read the cookie, and
    /// `SameSite=Lax` keeps the session cookie off its posts anyway).
    private func logout(_ request: HTTPRequest, confirmed: Bool) async throws -> HTTPResponse {
        let session = try await browserSession(request)
        if confirmed {
            // A browser sends `Origin: null` for a same-origin post from a no-referrer page.
            let origin = request.headers.first(name: "origin")
            let sameSite = origin == nil || origin == "null" || origin == Authenticator.origin(of: settings.issuer)
            guard sameSite, let form = pageForm(request, ["csrf_token"]), let token = form["csrf_token"],
                let binding = SessionCookie.value(named: Self.bindingCookie, in: request), ConstantTime.equals(Array(token.utf8), Array(binding.utf8))
            else { return errorPage(.forbidden, "Sign-out must be confirmed on this site.") }
            return try await endSession(session: session, hint: nil, confirmed: true, value: { _ in nil })
        }
        guard let parameters = FormData.parseStrict(request.queryString), !parameters.values.contains(where: { $0.count > 1 }) else {
            return errorPage(.badRequest, "The sign-out request is malformed.")
        }
        let value = { (name: String) in parameters[name]?.first }
        guard let hint = value("id_token_hint") else {
            guard session != nil else { return LoginPages.response(LoginPages.message(pages, title: "Signed out", "You are signed out.")) }
            let binding = try browserBinding(request)
            var response = LoginPages.response(LoginPages.logoutConfirmation(pages, csrfToken: binding))
            response.headers.add(name: "Set-Cookie", value: Self.bindingCookieHeader(binding))
            return response
        }
        return try await endSession(session: session, hint: hint, confirmed: false, value: value)
    }

    private func endSession(session: Session?, hint: String?, confirmed: Bool, value: (String) -> String?) async throws -> HTTPResponse {
        let result: OpenIDConnect.Logout
        do {
            result = try await tokens.openID.logout(
                idTokenHint: hint, clientID: value("client_id"), postLogoutRedirectURI: value("post_logout_redirect_uri"), state: value("state"),
                browserSession: session, confirmed: confirmed)
        } catch let error as AuthError where [.invalidToken, .invalidRequest].contains(error.code) {
            return errorPage(.badRequest, "The sign-out request is invalid.")
        }
        var response = result.redirect.map(LoginPages.redirect) ?? LoginPages.response(LoginPages.message(pages, title: "Signed out", "You are signed out."))
        if result.endedBrowserSession { response.headers.add(name: "Set-Cookie", value: SessionCookie.clear) }
        return response
    }

    /// Runs `body`, turning the flow's refusals into pages and redirects: an unknown client or
    /// redirect URI is a 400 page (never a redirect), a forged or expired form 403, an
    /// unavailable store 503, and everything after the redirect URI was checked a redirect with
    /// `error` (RFC 6749 §4.1.2.1).
    private func answering(_ body: () async throws -> HTTPResponse) async throws -> HTTPResponse {
        do {
            return try await body()
        } catch let error as AuthorizationPageError {
            return errorPage(.badRequest, error.description)
        } catch let error as AuthorizationError {
            return LoginPages.redirect(error.url(issuer: settings.issuer))
        } catch let error as AuthError where error.code == .forbidden {
            return errorPage(.forbidden, "This form has expired or was not sent from this browser. Go back to the application and sign in again.")
        } catch let error as AuthError where [.storeUnavailable, .overloaded].contains(error.code) {
            var response = errorPage(.serviceUnavailable, "Signing in is unavailable right now. Try again in a moment.")
            response.headers.replaceOrAdd(name: "Retry-After", value: String(error.retryAfter ?? 5))
            return response
        }
    }

    private func render(_ step: AuthorizationCodeFlow.Step) -> HTTPResponse {
        switch step {
        case let .login(form):
            return LoginPages.response(LoginPages.login(pages, csrfToken: form.csrfToken, clientID: form.clientID), redirectURI: form.redirectURI)
        case let .consent(form, scopes):
            return LoginPages.response(
                LoginPages.consent(pages, csrfToken: form.csrfToken, clientID: form.clientID, scopes: scopes), redirectURI: form.redirectURI)
        case let .redirect(location):
            return LoginPages.redirect(location)
        }
    }

    private func errorPage(_ status: HTTPResponseStatus, _ text: String) -> HTTPResponse {
        LoginPages.response(LoginPages.message(pages, title: "Cannot continue", text), status: status)
    }

    /// A posted page form with `known` fields, each at most once (the OAuth endpoints'
    /// parser); nil when malformed.
    private func pageForm(_ request: HTTPRequest, _ known: Set<String>) -> [String: String]? {
        try? form(request, known: known)
    }

    /// The browser session of the request's session cookie, if it has a live one.
    private func browserSession(_ request: HTTPRequest) async throws -> Session? {
        guard let cookie = SessionCookie.value(in: request) else { return nil }
        return try await tokens.sessions.session(cookie: cookie)
    }

    /// The browser's binding cookie, or a new one.
    private func browserBinding(_ request: HTTPRequest) throws -> String {
        if let value = SessionCookie.value(named: Self.bindingCookie, in: request), value.utf8.count == 43, Base64URL.decode(value)?.count == 32 {
            return value
        }
        return try OpaqueSecret.generate().value
    }

    /// `Set-Cookie` for the binding cookie, lasting as long as a form.
    private static func bindingCookieHeader(_ value: String) -> String { cookie(bindingCookie, value, maxAge: AuthorizationCodeFlow.formLifetime) }

    /// A `__Host-` cookie: Secure, Path=/, no Domain, HttpOnly, SameSite=Lax.
    static func cookie(_ name: String, _ value: String, maxAge: Int64) -> String {
        "\(name)=\(value); Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=\(maxAge)"
    }
}
