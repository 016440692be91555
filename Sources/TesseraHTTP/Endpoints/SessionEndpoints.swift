import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraJWT

/// `/v1/verify` (for gateways), `/v1/login`, `/v1/logout`, `/v1/logout/all`, `/v1/me`.
extension Endpoints {
    var sessionRoutes: [Route] {
        [
            Route(.GET, "/v1/verify", sync(.bearer) { try verify($0) }),
            Route(.POST, "/v1/login", async(.problem) { try await login($0) }),
            Route(.POST, "/v1/logout", async(.bearer) { try await logout($0) }),
            Route(.POST, "/v1/logout/all", async(.bearer) { try await logoutEverywhere($0) }),
            Route(.GET, "/v1/me", async(.bearer) { try await me($0) }),
        ]
    }

    /// 200 with `X-Tessera-Subject`, `-Scope`, `-Client` and the claims for a good token;
    /// 401 with an RFC 6750 challenge otherwise. Runs on the event loop: no store access.
    private func verify(_ request: HTTPRequest) throws -> HTTPResponse {
        let claims = try bearer(request).claims
        var response = HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: claims.jsonBytes)
        response.headers.add(name: "X-Tessera-Subject", value: claims.subject ?? "")
        response.headers.add(name: "X-Tessera-Scope", value: claims.scope ?? "")
        response.headers.add(name: "X-Tessera-Client", value: claims.clientID ?? "")
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }

    /// JSON `{username, password, client_id?, scope?, session?}` → the token pair, through the
    /// password grant of a public client; with `"session": true` also a new cookie session.
    private func login(_ request: HTTPRequest) async throws -> HTTPResponse {
        let body = try jsonBody(request)
        guard let username = body["username"]?.stringValue else { throw AuthError.invalidInputError(field: "username", detail: "username is required") }
        guard let password = body["password"]?.stringValue else { throw AuthError.invalidInputError(field: "password", detail: "password is required") }
        guard let clientID = body["client_id"]?.stringValue ?? settings.loginClientID else {
            throw AuthError.invalidInputError(field: "client_id", detail: "client_id is required")
        }
        let withCookie = body["session"] == .bool(true)
        let client: OAuthClient
        do {
            client = try await tokens.authenticateClient(id: clientID, secret: nil)
        } catch {
            throw AuthError.invalidInputError(field: "client_id", detail: "client_id must name a public client")
        }
        do {
            let issued = try await tokens.passwordGrant(client: client, username: username, password: password, scope: body["scope"]?.stringValue,
                                                        ip: request.remoteIP, withCookie: withCookie)
            var response = Self.tokenResponse(issued)
            if let secret = issued.cookieSecret {
                response.headers.add(name: "Set-Cookie", value: SessionCookie.set(secret, maxAge: tokens.policy.sessionAbsoluteTimeout))
            }
            return response
        } catch let error as AuthError where error.code == .invalidGrant {
            return .problem(.unauthorized, title: "Unauthorized", detail: "invalid username or password")
        }
    }

    /// Who is calling: the bearer token's user and session, or else the session cookie's. A
    /// cookie-authenticated state change must come from the issuer's origin or a trusted one
    /// (CSRF defence on top of SameSite=Lax).
    private func caller(_ request: HTTPRequest, changesState: Bool) async throws -> (userID: String, sessionID: String, viaCookie: Bool) {
        if request.bearerToken != nil {
            let claims = try bearer(request).claims
            guard let sid = claims.sessionID, let subject = claims.subject else { throw AuthError(.invalidToken, "token has no user session") }
            return (subject, sid, false)
        }
        guard let cookie = SessionCookie.value(in: request), let session = try await tokens.session(cookie: cookie) else {
            throw MissingCredentials()
        }
        if changesState {
            guard let origin = request.headers.first(name: "origin"), origin == issuerOrigin || settings.trustedOrigins.contains(origin) else {
                throw CrossSiteRequest()
            }
        }
        return (session.userID, session.id, true)
    }

    /// `scheme://host[:port]` of the issuer URL.
    private var issuerOrigin: String {
        guard let components = URLComponents(string: settings.issuer), let scheme = components.scheme, let host = components.host else { return settings.issuer }
        return components.port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }

    private func logout(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await endSessions(request, everywhere: false)
    }

    private func logoutEverywhere(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await endSessions(request, everywhere: true)
    }

    /// Ends the caller's session (or all of the user's), clearing the cookie if it was used.
    private func endSessions(_ request: HTTPRequest, everywhere: Bool) async throws -> HTTPResponse {
        let caller = try await caller(request, changesState: true)
        if everywhere {
            try await tokens.logoutEverywhere(userID: caller.userID)
        } else {
            try await tokens.logout(sessionID: caller.sessionID)
        }
        var response = HTTPResponse(status: .noContent)
        if caller.viaCookie { response.headers.add(name: "Set-Cookie", value: SessionCookie.clear) }
        return response
    }

    private func me(_ request: HTTPRequest) async throws -> HTTPResponse {
        let caller = try await caller(request, changesState: false)
        let user: User
        do {
            user = try await accounts.user(id: caller.userID)
        } catch let error as AuthError where error.code == .notFound {
            throw AuthError(.invalidToken, "user no longer exists")
        }
        var response = HTTPResponse.json(Self.userJSON(user))
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }

    static func userJSON(_ user: User) -> JSONObject {
        ["id": .string(user.id), "username": .string(user.username), "status": .string(user.status.rawValue),
         "created_at": .int(Int(user.createdAt)), "updated_at": .int(Int(user.updatedAt))]
    }
}
