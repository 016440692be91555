import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraJWT

/// `/v1/verify` (for gateways), `/v1/login`, `/v1/logout`, `/v1/logout/all`, `/v1/me`.
extension Endpoints {
    var sessionRoutes: [Route] {
        var tokenHolders = authenticatedRoutes(.accessToken)
        tokenHolders.sync(.GET, "/v1/verify") { _, _, caller in verify(caller) }
        var anyone = publicRoutes(.problem)
        anyone.async(.POST, "/v1/login") { request, _ in try await login(request) }
        var sessions = authenticatedRoutes(.userSession)
        sessions.async(.POST, "/v1/logout") { _, _, caller in try await endSessions(caller, everywhere: false) }
        sessions.async(.POST, "/v1/logout/all") { _, _, caller in try await endSessions(caller, everywhere: true) }
        sessions.async(.GET, "/v1/me") { _, _, caller in try await me(caller) }
        return tokenHolders.routes + anyone.routes + sessions.routes
    }

    /// 200 with `X-Tessera-Subject`, `-Scope`, `-Client` and the claims for a good token;
    /// 401 with an RFC 6750 challenge otherwise. Runs on the event loop: no store access.
    private func verify(_ caller: Caller) -> HTTPResponse {
        guard case let .bearer(claims) = caller.credential else { return .bearerChallenge(nil) }
        let values = [("X-Tessera-Subject", claims.subject ?? ""), ("X-Tessera-Scope", claims.scope ?? ""), ("X-Tessera-Client", claims.clientID ?? "")]
        // Never a value that cannot be a header value (RFC 9110 §5.5), whatever the token says.
        guard values.allSatisfy({ $0.1.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F } }) else {
            return .bearerChallenge("invalid_token", description: "the access token is invalid, expired or revoked")
        }
        var response = HTTPResponse(status: .ok, body: claims.jsonBytes)
        // Room for the middleware's and the writer's headers too: one allocation, not five.
        response.headers.reserveCapacity(12)
        response.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in values { response.headers.add(name: name, value: value) }
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }

    /// JSON `{username, password, client_id?, scope?, session?}` → the token pair, through the
    /// password grant of a public client; with `"session": true` also a new cookie session.
    private func login(_ request: HTTPRequest) async throws -> HTTPResponse {
        let body = try jsonBody(request)
        guard let username = body["username"]?.stringValue else { throw HTTPInputError(field: "username", detail: "username is required") }
        guard let password = body["password"]?.stringValue else { throw HTTPInputError(field: "password", detail: "password is required") }
        let withCookie = body["session"] == .bool(true)
        // No client that may log users in here, named or defaulted: 401, like a failed login.
        let noClient = HTTPResponse.problem(
            .unauthorized, title: "Unauthorized",
            detail: "client_id must name a public client (http.login_client_id is the default)")
        guard let clientID = body["client_id"]?.stringValue ?? settings.http.loginClientID else { return noClient }
        let client: OAuthClient
        do {
            client = try await tokens.clients.authenticate(id: clientID, secret: nil)
        } catch let error as AuthError where error.code == .invalidClient {
            return noClient
        }
        do {
            let issued = try await tokens.login.grant(
                client: client, username: username, password: password, scope: body["scope"]?.stringValue,
                ip: request.remoteIP, withCookie: withCookie)
            var response = Self.tokenResponse(issued)
            if let secret = issued.cookieSecret {
                response.headers.add(name: "Set-Cookie", value: SessionCookie.set(secret, maxAge: tokens.policy.cookieSessionAbsoluteTimeout))
            }
            return response
        } catch let error as AuthError where error.code == .invalidGrant {
            return .problem(.unauthorized, title: "Unauthorized", detail: "invalid username or password")
        }
    }

    /// Ends the caller's session (or all of the user's), clearing the cookie if it was used.
    private func endSessions(_ caller: Caller, everywhere: Bool) async throws -> HTTPResponse {
        guard let userID = caller.subject, let sessionID = caller.sessionID else { throw MissingCredentials() }
        if everywhere {
            _ = try await tokens.sessions.logoutEverywhere(userID: userID)
        } else {
            try await tokens.sessions.logout(sessionID: sessionID)
        }
        var response = HTTPResponse(status: .noContent)
        if caller.viaCookie { response.headers.add(name: "Set-Cookie", value: SessionCookie.clear) }
        return response
    }

    private func me(_ caller: Caller) async throws -> HTTPResponse {
        guard let userID = caller.subject else { throw MissingCredentials() }
        let user: User
        do {
            user = try await accounts.user(id: userID)
        } catch let error as AuthError where error.code == .notFound {
            throw AuthError(.invalidToken, "user no longer exists")
        }
        var response = HTTPResponse.json(Self.userJSON(user))
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }

    static func userJSON(_ user: User) -> JSONObject {
        var object: JSONObject = [
            "id": .string(user.id), "username": .string(user.username), "status": .string(user.status.rawValue),
            "roles": .array(user.roles.sorted().map(JSONValue.string)), "created_at": .int(Int(user.createdAt)), "updated_at": .int(Int(user.updatedAt)),
        ]
        if let email = user.email { object["email"] = .string(email) }
        return object
    }
}
