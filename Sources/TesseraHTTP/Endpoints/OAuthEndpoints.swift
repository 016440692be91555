import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraJWT

/// `POST /oauth/token` (RFC 6749), `/oauth/revoke` (RFC 7009), `/oauth/introspect` (RFC 7662).
extension Endpoints {
    /// Clients authenticate per request, inside the handlers (RFC 6749 §2.3), so the group is public.
    var oauthRoutes: [Route] {
        var group = publicRoutes(.oauth)
        group.async(.POST, "/oauth/token") { request, context in try await token(request, context) }
        group.async(.POST, "/oauth/revoke") { request, context in try await revoke(request, context) }
        group.async(.POST, "/oauth/introspect") { request, context in try await introspect(request, context) }
        return group.routes
    }

    /// Parameters of the token endpoint (RFC 6749 §4.1.3, §4.3.2, §4.4.2, §6, RFC 7636 §4.5).
    /// `end_user_ip` is Tessera's own: the address of the user a confidential client logs in.
    static let tokenParameters: Set = [
        "grant_type", "client_id", "client_secret", "username", "password", "scope", "refresh_token", "end_user_ip", "code", "redirect_uri",
        "code_verifier",
    ]
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
    /// the body, never both; public clients send `client_id` alone. `forIntrospection`: see
    /// `ClientAuthenticator.authenticate`.
    func authenticateClient(_ request: HTTPRequest, _ form: [String: String], forIntrospection: Bool = false) async throws -> OAuthClient {
        if let header = request.headers.first(name: "authorization"), BasicCredentials.isBasic(header) {
            guard form["client_secret"] == nil else { throw HTTPInputError(field: nil, detail: "use one client authentication method") }
            guard let basic = BasicCredentials(header: header) else { throw AuthError(.invalidClient, "malformed Basic credentials") }
            if let bodyID = form["client_id"], bodyID != basic.id {
                throw HTTPInputError(field: nil, detail: "client_id differs from the Basic credentials")
            }
            return try await tokens.clients.authenticate(id: basic.id, secret: basic.secret, forIntrospection: forIntrospection)
        }
        guard let id = form["client_id"] else { throw AuthError(.invalidClient, "no client authentication") }
        return try await tokens.clients.authenticate(id: id, secret: form["client_secret"], forIntrospection: forIntrospection)
    }

    /// The form and the authenticated client of an OAuth request, charged to the rate limit
    /// that applies (`ClientAdmission`): the client's own bucket for a confidential client, the
    /// address's for anyone else, a failed authentication included. An address with no token
    /// left is refused before the client is even looked up.
    /// `check` vets the form before the client is authenticated; its result is returned.
    func admitted<Checked>(
        _ request: HTTPRequest, _ context: RequestContext, known: Set<String>, forIntrospection: Bool = false,
        check: ([String: String]) throws -> Checked
    ) async throws -> (form: [String: String], client: OAuthClient, checked: Checked) {
        try admission.precheck(request, context)
        let form: [String: String]
        let client: OAuthClient
        let checked: Checked
        do {
            form = try self.form(request, known: known)
            checked = try check(form)
            client = try await authenticateClient(request, form, forIntrospection: forIntrospection)
        } catch {
            try admission.chargeAddress(request, context)
            throw error
        }
        try admission.charge(client, request, context, cost: forIntrospection ? ClientAdmission.introspectionCost : 1)
        return (form, client, checked)
    }

    /// The address a login is throttled and audited under: the end user's when a client
    /// registered with `--forwards-client-ip` sends `end_user_ip` (a service's login endpoint),
    /// else the request's.
    private func loginAddress(_ form: [String: String], _ client: OAuthClient, _ request: HTTPRequest) throws -> String {
        guard let forwarded = form["end_user_ip"] else { return request.remoteIP }
        guard client.forwardsClientIP else { throw HTTPInputError(field: nil, detail: "end_user_ip needs a client registered with --forwards-client-ip") }
        guard let address = IPAddress(forwarded) else { throw HTTPInputError(field: nil, detail: "end_user_ip must be an IP address") }
        return address.description
    }

    private func token(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let (form, client, grant) = try await admitted(request, context, known: Self.tokenParameters) { form in
            guard let grantType = form["grant_type"] else { throw HTTPInputError(field: nil, detail: "grant_type is required") }
            guard let grant = GrantType(rawValue: grantType) else { throw AuthError.unsupportedGrantType("grant_type \(grantType)") }
            return grant
        }
        let issued: TokenResponse
        switch grant {
        case .password:
            guard let username = form["username"], let password = form["password"] else {
                throw HTTPInputError(field: nil, detail: "username and password are required")
            }
            issued = try await tokens.login.grant(
                client: client, username: username, password: password, scope: form["scope"], ip: try loginAddress(form, client, request))
        case .refreshToken:
            guard let refreshToken = form["refresh_token"] else { throw HTTPInputError(field: nil, detail: "refresh_token is required") }
            issued = try await tokens.refresh.grant(client: client, refreshToken: refreshToken, scope: form["scope"])
        case .clientCredentials:
            issued = try tokens.clientCredentials.grant(client: client, scope: form["scope"])
        case .authorizationCode:
            guard let code = form["code"] else { throw HTTPInputError(field: nil, detail: "code is required") }
            issued = try await tokens.authorizationCode.grant(
                client: client, code: code, redirectURI: form["redirect_uri"], codeVerifier: form["code_verifier"])
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
        if let idToken = issued.idToken { body["id_token"] = .string(idToken) }
        var response = HTTPResponse.json(body)
        response.noStore()
        return response
    }

    private func revoke(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let (form, client, _) = try await admitted(request, context, known: Self.tokenHintParameters) { _ in }
        guard let token = form["token"] else { throw HTTPInputError(field: nil, detail: "token is required") }
        try await tokens.revocation.revoke(token: token, client: client)
        var response = HTTPResponse(status: .ok)
        response.noStore()
        return response
    }

    private func introspect(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let (form, client, _) = try await admitted(request, context, known: Self.tokenHintParameters, forIntrospection: true) { _ in }
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
