import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraJWT

/// Routes that anyone may call, with the error style of their group. Handlers get no `Caller`.
public struct PublicRoutes: Sendable {
    let style: ErrorStyle
    let errors: ErrorResponder
    public private(set) var routes: [Route] = []

    init(style: ErrorStyle, errors: ErrorResponder) {
        self.style = style
        self.errors = errors
    }

    /// A route answered on the event loop; it must not block.
    mutating func sync(_ method: HTTPMethod, _ path: String, _ body: @escaping @Sendable (HTTPRequest, RequestContext) throws -> HTTPResponse) {
        let style = self.style
        let errors = self.errors
        routes.append(
            Route(
                method, path,
                .sync { request, context in
                    do { return try body(request, context) } catch { return errors.response(for: error, style: style, context: context) }
                }))
    }

    /// A route whose work (store, hashing) runs off the event loop.
    mutating func async(_ method: HTTPMethod, _ path: String, _ body: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse) {
        let style = self.style
        let errors = self.errors
        routes.append(
            Route(
                method, path,
                .async { request, context in
                    do { return try await body(request, context) } catch { return errors.response(for: error, style: style, context: context) }
                }))
    }
}

/// What an authenticated group demands of its callers.
public enum CallerRequirement: Sendable {
    /// A valid bearer access token.
    case accessToken
    /// A user's session: a bearer token that carries one from a first-party (or password-grant)
    /// client, or the session cookie. A cookie-authenticated state change must also come from
    /// an allowed origin (CSRF).
    case userSession
    /// A bearer access token carrying this scope, whose subject the store says is still
    /// entitled to it (`Entitlements`): a user who lost the role is refused at once.
    case scope(String)
}

/// Routes whose handlers run only for an authenticated `Caller` meeting the group's
/// requirement; refusals are written in the group's error style (RFC 6750 for bearer groups).
public struct AuthenticatedRoutes: Sendable {
    let requirement: CallerRequirement
    let authenticator: Authenticator
    /// The routes, with errors written as a public group of the same style writes them.
    private var group: PublicRoutes
    public var routes: [Route] { group.routes }

    init(_ requirement: CallerRequirement, authenticator: Authenticator, style: ErrorStyle = .bearer, errors: ErrorResponder) {
        self.requirement = requirement
        self.authenticator = authenticator
        group = PublicRoutes(style: style, errors: errors)
    }

    /// A route answered on the event loop: plain bearer tokens only, since they need no store.
    mutating func sync(
        _ method: HTTPMethod, _ path: String,
        _ body: @escaping @Sendable (HTTPRequest, RequestContext, Caller) throws -> HTTPResponse
    ) {
        let authenticator = self.authenticator
        let requirement = self.requirement
        precondition(!authenticator.needsStore(requirement), "a sync route cannot resolve cookie sessions")
        group.sync(method, path) { request, context in try body(request, context, try authenticator.bearerCaller(request, requirement)) }
    }

    /// A route whose work runs off the event loop.
    mutating func async(
        _ method: HTTPMethod, _ path: String,
        _ body: @escaping @Sendable (HTTPRequest, RequestContext, Caller) async throws -> HTTPResponse
    ) {
        let authenticator = self.authenticator
        let requirement = self.requirement
        group.async(method, path) { request, context in try await body(request, context, try await authenticator.caller(request, requirement)) }
    }
}

/// Establishes callers: verifies bearer tokens (signature, claims, revocation view) and
/// resolves session cookies.
struct Authenticator: Sendable {
    let tokens: TokenService
    let audiences: Set<String>
    /// Origins whose cookie-authenticated changes are accepted: the issuer's and the trusted ones.
    let allowedOrigins: Set<String>

    init(tokens: TokenService, audiences: Set<String>, issuer: String, trustedOrigins: Set<String>) {
        self.tokens = tokens
        self.audiences = audiences
        allowedOrigins = trustedOrigins.union([Self.origin(of: issuer)])
    }

    func needsStore(_ requirement: CallerRequirement) -> Bool {
        if case .accessToken = requirement { return false }
        return true
    }

    /// The caller of a bearer request, meeting `requirement`; no store access.
    func bearerCaller(_ request: HTTPRequest, _ requirement: CallerRequirement) throws -> Caller {
        guard let token = request.bearerToken else { throw MissingCredentials() }
        let caller = Caller(credential: .bearer(try tokens.accessTokens.verify(token, audiences: audiences).claims))
        switch requirement {
        case .accessToken:
            break
        case .userSession:
            guard caller.sessionID != nil, caller.subject != nil else { throw AuthError(.invalidToken, "token has no user session") }
        case let .scope(scope):
            guard caller.scopes.contains(Substring(scope)) else { throw AuthError.insufficientScope("scope \(scope) required") }
        }
        return caller
    }

    /// The caller by bearer token or, for `userSession`, by session cookie; for `scope`, also
    /// confirmed entitled to it by the store.
    func caller(_ request: HTTPRequest, _ requirement: CallerRequirement) async throws -> Caller {
        if case let .scope(scope) = requirement {
            let caller = try bearerCaller(request, requirement)
            if case let .bearer(claims) = caller.credential { try await tokens.entitlements.confirm(claims, scope: scope) }
            return caller
        }
        guard case .userSession = requirement else { return try bearerCaller(request, requirement) }
        if request.bearerToken != nil {
            let caller = try bearerCaller(request, requirement)
            if case let .bearer(claims) = caller.credential { try await tokens.entitlements.confirmAccountAccess(claims) }
            return caller
        }
        guard let cookie = SessionCookie.value(in: request), let session = try await tokens.sessions.session(cookie: cookie) else {
            throw MissingCredentials()
        }
        if ![.GET, .HEAD].contains(request.method) {
            guard let origin = request.headers.first(name: "origin"), allowedOrigins.contains(origin) else { throw CrossSiteRequest() }
        }
        return Caller(credential: .cookie(session))
    }

    /// `scheme://host[:port]` of a URL.
    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return url }
        return components.port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }
}
