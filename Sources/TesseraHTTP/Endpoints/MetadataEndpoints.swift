import NIOHTTP1
import TesseraAuth
import TesseraJWT

/// RFC 8414 metadata, the public JWK Set, health and readiness.
extension Endpoints {
    var metadataRoutes: [Route] {
        let accessTokens = tokens.accessTokens
        let openAPI = HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: PackageResources.openapi_json)
        var group = publicRoutes(.problem)
        group.sync(.GET, "/.well-known/oauth-authorization-server") { [self] _, _ in
            .json(authorizationServerMetadata(algorithms: accessTokens.published.algorithms))
        }
        group.sync(.GET, "/.well-known/jwks.json") { request, _ in Self.jwks(accessTokens.published, request) }
        group.sync(.GET, "/openapi.json") { _, _ in openAPI }
        group.sync(.GET, "/healthz") { _, _ in .json(["status": .string("ok")]) }
        group.async(.GET, "/readyz") { _, _ in
            await readiness.isReady()
                ? .json(["status": .string("ready")])
                : .problem(.serviceUnavailable, title: "Service Unavailable", detail: "the store is unreachable or revocations are out of date")
        }
        var routes = group.routes
        // With a separate metrics listener, the main one has no /metrics at all.
        if let metricsText = settings.metricsText, settings.http.metricsListener == nil {
            var scrapers = authenticatedRoutes(.scope(settings.http.metricsScope))
            scrapers.async(.GET, "/metrics") { _, _, _ in Self.metrics(metricsText) }
            routes += scrapers.routes
        }
        return routes
    }

    /// The routes of the `http.metrics_address` listener: `GET /metrics` for anyone who can
    /// reach it.
    public static func metricsListenerRoutes(_ metricsText: @escaping @Sendable () -> [UInt8]) -> [Route] {
        [Route(.GET, "/metrics", .sync { _, _ in metrics(metricsText) })]
    }

    private static func metrics(_ text: @Sendable () -> [UInt8]) -> HTTPResponse {
        HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: text())
    }

    /// How long a resource server may keep the JWK Set (`Cache-Control: max-age`): the
    /// publish-ahead rule of key rotation counts on it.
    public static let jwksMaximumAge = 300

    /// The JWK Set, cacheable for `jwksMaximumAge` seconds, or 304 when the client's copy
    /// (`If-None-Match`) is current (RFC 9110 §13.1.2).
    static func jwks(_ published: PublishedKeys, _ request: HTTPRequest) -> HTTPResponse {
        let current = request.headers[canonicalForm: "if-none-match"].contains { $0 == "*" || $0 == published.etag || $0 == "W/" + published.etag }
        var response =
            current ? HTTPResponse(status: .notModified) : HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: published.body)
        response.headers.replaceOrAdd(name: "Cache-Control", value: "public, max-age=\(jwksMaximumAge)")
        response.headers.replaceOrAdd(name: "ETag", value: published.etag)
        return response
    }

    /// RFC 8414 §2; endpoints are the issuer URL plus their paths (§3: the issuer is the base).
    /// `access_token_signing_alg_values_supported` (not registered with IANA; Janssen and
    /// InterSystems publish it too) lists the algorithms of the keys in the ring.
    func authorizationServerMetadata(algorithms: [String]) -> JSONObject {
        let base = Self.base(settings.issuer)
        let authMethods: JSONValue = .array(["client_secret_basic", "client_secret_post", "none"].map(JSONValue.string))
        return [
            "issuer": .string(settings.issuer),
            "authorization_endpoint": .string(base + "/oauth/authorize"),
            "token_endpoint": .string(base + "/oauth/token"),
            "revocation_endpoint": .string(base + "/oauth/revoke"),
            "introspection_endpoint": .string(base + "/oauth/introspect"),
            "jwks_uri": .string(base + "/.well-known/jwks.json"),
            "grant_types_supported": .array(GrantType.allCases.map { .string($0.rawValue) }),
            "response_types_supported": .array([.string("code")]),
            "response_modes_supported": .array([.string("query")]),
            "code_challenge_methods_supported": .array([.string("S256")]),
            // RFC 9207: every authorization response carries `iss`.
            "authorization_response_iss_parameter_supported": .bool(true),
            "token_endpoint_auth_methods_supported": authMethods,
            "revocation_endpoint_auth_methods_supported": authMethods,
            "introspection_endpoint_auth_methods_supported": .array(["client_secret_basic", "client_secret_post"].map(JSONValue.string)),
            "access_token_signing_alg_values_supported": .array(algorithms.map(JSONValue.string)),
        ]
    }
}
