import NIOHTTP1
import TesseraAuth
import TesseraJWT

/// OpenID Connect discovery and UserInfo, the user's consents, and client administration.
extension Endpoints {
    var openIDRoutes: [Route] {
        var anyone = publicRoutes(.bearer)
        anyone.async(.GET, "/userinfo") { request, _ in try await userInfo(request) }
        anyone.async(.POST, "/userinfo") { request, _ in try await userInfo(request) }
        var discovery = publicRoutes(.problem)
        let accessTokens = tokens.accessTokens
        discovery.sync(.GET, "/.well-known/openid-configuration") { [self] _, _ in
            .json(openIDConfiguration(algorithms: accessTokens.published.algorithms, idTokenAlgorithm: accessTokens.idTokenAlgorithm))
        }
        var users = authenticatedRoutes(.userSession)
        users.async(.GET, "/v1/me/consents") { _, _, caller in try await consents(caller) }
        users.async(.DELETE, "/v1/me/consents/{client_id}") { _, context, caller in
            guard let userID = caller.subject else { throw MissingCredentials() }
            try await tokens.openID.revokeConsent(userID: userID, clientID: context.parameters["client_id"] ?? "")
            return HTTPResponse(status: .noContent)
        }
        var admin = authenticatedRoutes(.scope(Self.adminScope))
        admin.async(.GET, "/v1/clients") { _, _, _ in .json(["clients": .array(try await accounts.clients().map { .object(Self.clientJSON($0)) })]) }
        admin.async(.GET, "/v1/clients/{id}") { _, context, _ in .json(Self.clientJSON(try await accounts.client(id: context.parameters["id"] ?? ""))) }
        admin.async(.PATCH, "/v1/clients/{id}") { request, context, _ in try await updateClient(request, id: context.parameters["id"] ?? "") }
        return anyone.routes + discovery.routes + users.routes + admin.routes
    }

    /// OpenID Connect Core §5.3: the bearer token in the `Authorization` header only (RFC 6750
    /// §2.1; a token in a form body or the query is not accepted).
    private func userInfo(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let token = request.bearerToken else { throw MissingCredentials() }
        var response = HTTPResponse.json(try await tokens.openID.userInfo(accessToken: token))
        response.noStore()
        return response
    }

    private func consents(_ caller: Caller) async throws -> HTTPResponse {
        guard let userID = caller.subject else { throw MissingCredentials() }
        let list = try await tokens.openID.consents(userID: userID).map { consent -> JSONValue in
            .object([
                "client_id": .string(consent.clientID), "scopes": .array(consent.scopes.map(JSONValue.string)),
                "granted_at": .int(Int(consent.grantedAt)),
            ])
        }
        var response = HTTPResponse.json(["consents": .array(list)])
        response.noStore()
        return response
    }

    /// PATCH a client: any of `redirect_uris`, `post_logout_redirect_uris` (complete new
    /// lists), `first_party`, `introspect`, `forwards_client_ip`; all or nothing.
    private func updateClient(_ request: HTTPRequest, id: String) async throws -> HTTPResponse {
        let body = try jsonBody(request)
        func flag(_ name: String) throws -> Bool? {
            guard let value = body[name] else { return nil }
            guard case let .bool(flag) = value else { throw HTTPInputError(field: name, detail: "\(name) must be true or false") }
            return flag
        }
        func uris(_ name: String) throws -> [String]? {
            guard let value = body[name] else { return nil }
            guard case let .array(items) = value, items.allSatisfy({ $0.stringValue != nil }) else {
                throw HTTPInputError(field: name, detail: "\(name) must be an array of URIs")
            }
            return items.compactMap(\.stringValue)
        }
        let browser = AccountService.BrowserSettings(
            redirectURIs: try uris("redirect_uris"), postLogoutRedirectURIs: try uris("post_logout_redirect_uris"), firstParty: try flag("first_party"))
        let client = try await accounts.updateClient(
            id: id, introspect: try flag("introspect"), forwardsClientIP: try flag("forwards_client_ip"), browser: browser)
        return .json(Self.clientJSON(client))
    }

    /// A client as the API shows it; never its secret or the secret's hash.
    static func clientJSON(_ client: OAuthClient) -> JSONObject {
        return [
            "client_id": .string(client.id), "kind": .string(client.kind.rawValue), "grant_types": Self.strings(client.grants.map(\.rawValue)),
            "scopes": Self.strings(client.scopes), "audiences": Self.strings(client.audiences), "redirect_uris": Self.strings(client.redirectURIs),
            "post_logout_redirect_uris": Self.strings(client.postLogoutRedirectURIs), "first_party": .bool(client.firstParty),
            "introspect": .bool(client.mayIntrospect), "forwards_client_ip": .bool(client.forwardsClientIP), "created_at": .int(Int(client.createdAt)),
        ]
    }

    /// OpenID Connect Discovery 1.0 §3: the RFC 8414 metadata and what OpenID Connect adds.
    /// `id_token_signing_alg_values_supported` names the active key's algorithm; it is empty
    /// while an HMAC key signs (then `openid` is refused).
    func openIDConfiguration(algorithms: [String], idTokenAlgorithm: JWTAlgorithm?) -> JSONObject {
        var object = authorizationServerMetadata(algorithms: algorithms)
        let base = Self.base(settings.issuer)
        object["userinfo_endpoint"] = .string(base + "/userinfo")
        object["end_session_endpoint"] = .string(base + "/oauth/logout")
        object["subject_types_supported"] = Self.strings(["public"])
        object["id_token_signing_alg_values_supported"] = Self.strings(idTokenAlgorithm.map { [$0.rawValue] } ?? [])
        object["scopes_supported"] = Self.strings(["openid", "profile", "email"])
        object["claims_supported"] = Self.strings([
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "amr", "preferred_username", "updated_at", "email",
            "email_verified",
        ])
        object["prompt_values_supported"] = Self.strings(AuthorizationRequest.Prompt.allCases.map(\.rawValue))
        object["claims_parameter_supported"] = .bool(false)
        object["request_parameter_supported"] = .bool(false)
        object["request_uri_parameter_supported"] = .bool(false)
        return object
    }

    /// A JSON array of strings.
    private static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }

    /// The issuer without a trailing slash: endpoints are it plus their paths (RFC 8414 §3).
    static func base(_ issuer: String) -> String { issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer }
}
