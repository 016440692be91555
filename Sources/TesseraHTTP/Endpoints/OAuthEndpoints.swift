import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraJWT

/// `POST /oauth/token` (RFC 6749), `/oauth/revoke` (RFC 7009), `/oauth/introspect` (RFC 7662).
extension Endpoints {
    /// Clients authenticate per request, inside the handlers (RFC 6749 §2.3), so the group is public.
    var oauthRoutes: [Route] {
        var group = publicRoutes(.oauth)
        group.async(.POST, "/oauth/token") { request, _ in try await token(request) }
        group.async(.POST, "/oauth/revoke") { request, _ in try await revoke(request) }
        group.async(.POST, "/oauth/introspect") { request, _ in try await introspect(request) }
        return group.routes
    }

    /// Parameters of the token endpoint (RFC 6749 §4.3.2, §4.4.2, §6).
    static let tokenParameters: Set = ["grant_type", "client_id", "client_secret", "username", "password", "scope", "refresh_token"]
    /// Parameters of the revocation (RFC 7009 §2.1) and introspection (RFC 7662 §2.1) endpoints.
    static let tokenHintParameters: Set = ["token", "token_type_hint", "client_id", "client_secret"]

    /// The form parameters of an OAuth request that the endpoint knows (`known`), each at most
    /// once (RFC 6749 §3.2). Unknown parameters are ignored, repeated or not (RFC 6749 §3.1).
    func form(_ request: HTTPRequest, known: Set<String>) throws -> [String: String] {
        guard request.contentType == "application/x-www-form-urlencoded" else {
            throw HTTPInputError(field: nil, detail: "Content-Type must be application/x-www-form-urlencoded")
        }
        guard let parameters = FormData.parseStrict(String(decoding: request.body, as: UTF8.self)) else {
            throw HTTPInputError(field: nil, detail: "malformed form body")
        }
        let recognised = parameters.filter { known.contains($0.key) }
        if let repeated = recognised.first(where: { $0.value.count > 1 }) {
            throw HTTPInputError(field: repeated.key, detail: "parameter \(repeated.key) appears more than once")
        }
        return recognised.compactMapValues(\.first)
    }

    /// Client authentication (RFC 6749 §2.3.1): HTTP Basic or `client_id`/`client_secret` in
    /// the body, never both; public clients send `client_id` alone.
    func authenticateClient(_ request: HTTPRequest, _ form: [String: String]) async throws -> (OAuthClient, usedBasic: Bool) {
        if let header = request.headers.first(name: "authorization"), header.lowercased().hasPrefix("basic ") {
            guard form["client_secret"] == nil else { throw HTTPInputError(field: nil, detail: "use one client authentication method") }
            // RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined and encoded.
            guard let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
                let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":"),
                let id = Self.formDecoded(text[..<colon]), let secret = Self.formDecoded(text[text.index(after: colon)...])
            else { throw AuthError(.invalidClient, "malformed Basic credentials") }
            if let bodyID = form["client_id"], bodyID != id { throw HTTPInputError(field: nil, detail: "client_id differs from the Basic credentials") }
            return (try await tokens.clients.authenticate(id: id, secret: secret), true)
        }
        guard let id = form["client_id"] else { throw AuthError(.invalidClient, "no client authentication") }
        return (try await tokens.clients.authenticate(id: id, secret: form["client_secret"]), false)
    }

    private static func formDecoded(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    private func token(_ request: HTTPRequest) async throws -> HTTPResponse {
        let form = try form(request, known: Self.tokenParameters)
        guard let grantType = form["grant_type"] else { throw HTTPInputError(field: nil, detail: "grant_type is required") }
        guard let grant = GrantType(rawValue: grantType) else { throw AuthError.unsupportedGrantType("grant_type \(grantType)") }
        let (client, _) = try await authenticateClient(request, form)
        let issued: TokenResponse
        switch grant {
        case .password:
            guard let username = form["username"], let password = form["password"] else {
                throw HTTPInputError(field: nil, detail: "username and password are required")
            }
            issued = try await tokens.login.grant(client: client, username: username, password: password, scope: form["scope"], ip: request.remoteIP)
        case .refreshToken:
            guard let refreshToken = form["refresh_token"] else { throw HTTPInputError(field: nil, detail: "refresh_token is required") }
            issued = try await tokens.refresh.grant(client: client, refreshToken: refreshToken, scope: form["scope"])
        case .clientCredentials:
            issued = try tokens.clientCredentials.grant(client: client, scope: form["scope"])
        }
        return Self.tokenResponse(issued)
    }

    /// The RFC 6749 §5.1 success body.
    static func tokenResponse(_ issued: TokenResponse) -> HTTPResponse {
        var body: JSONObject = [
            "access_token": .string(issued.accessToken), "token_type": .string(issued.tokenType), "expires_in": .int(Int(issued.expiresIn)),
        ]
        if let refresh = issued.refreshToken { body["refresh_token"] = .string(refresh) }
        // Always stated: when the grant was narrowed it differs from the request and is REQUIRED (RFC 6749 §5.1).
        body["scope"] = .string(issued.scope)
        var response = HTTPResponse.json(body)
        response.noStore()
        return response
    }

    private func revoke(_ request: HTTPRequest) async throws -> HTTPResponse {
        let form = try form(request, known: Self.tokenHintParameters)
        let (client, _) = try await authenticateClient(request, form)
        guard let token = form["token"] else { throw HTTPInputError(field: nil, detail: "token is required") }
        try await tokens.revocation.revoke(token: token, client: client)
        var response = HTTPResponse(status: .ok)
        response.noStore()
        return response
    }

    private func introspect(_ request: HTTPRequest) async throws -> HTTPResponse {
        let form = try form(request, known: Self.tokenHintParameters)
        let (client, _) = try await authenticateClient(request, form)
        guard let token = form["token"] else { throw HTTPInputError(field: nil, detail: "token is required") }
        var response = HTTPResponse.json(Self.introspectionJSON(try await tokens.introspection.introspect(token: token, for: client)))
        response.noStore()
        return response
    }
}

extension Endpoints {
    /// RFC 7662 §2.2: `active`, and for a usable token what is known of it.
    static func introspectionJSON(_ result: IntrospectionResult) -> JSONObject {
        switch result {
        case .inactive:
            return ["active": .bool(false)]
        case let .accessToken(claims):
            var object: JSONObject = ["active": .bool(true), "token_type": .string("Bearer")]
            for member in claims { object[member.name] = member.value }
            return object
        case let .refreshToken(token):
            var object: JSONObject = [
                "active": .bool(true), "token_type": .string("refresh_token"), "client_id": .string(token.clientID),
                "sub": .string(token.subject), "iss": .string(token.issuer),
                "exp": .int(Int(token.expiresAt)), "iat": .int(Int(token.issuedAt)), "sid": .string(token.sessionID),
            ]
            if !token.scope.isEmpty { object["scope"] = .string(token.scope) }
            return object
        }
    }
}
