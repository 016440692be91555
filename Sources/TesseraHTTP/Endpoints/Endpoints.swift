import Foundation
import Logging
import NIOHTTP1
import TesseraAuth
import TesseraJWT

/// Everything the endpoints need, and the helpers they share.
public struct Endpoints: Sendable {
    let tokens: TokenService
    let accounts: AccountService
    let settings: Settings
    let errors: ErrorMapping

    /// Endpoint settings from configuration.
    public struct Settings: Sendable {
        /// Public base URL, equal to the token issuer (RFC 8414 §3).
        public var issuer: String
        /// Audiences `/v1/verify` accepts.
        public var verifyAudiences: Set<String>
        /// Client used by `/v1/login` when the request names none.
        public var loginClientID: String?
        /// Whether `POST /v1/signup` is open (default off).
        public var signupEnabled = false
        /// Browser origins allowed besides the issuer's own, for cookie-authenticated changes.
        public var trustedOrigins: Set<String> = []
        /// The Prometheus text for `GET /metrics`; nil leaves the route out.
        public var metricsText: (@Sendable () -> [UInt8])?

        public init(issuer: String, verifyAudiences: Set<String>, loginClientID: String?) {
            self.issuer = issuer
            self.verifyAudiences = verifyAudiences
            self.loginClientID = loginClientID
        }

        /// The settings for `issuer`, accepting tokens for `verifyAudiences`, shaped by the `http`
        /// configuration section.
        public init(issuer: String, verifyAudiences: Set<String>, http: HTTPConfiguration, metricsText: (@Sendable () -> [UInt8])?) {
            self.init(issuer: issuer, verifyAudiences: verifyAudiences, loginClientID: http.loginClientID)
            signupEnabled = http.signupEnabled
            trustedOrigins = http.corsOrigins
            self.metricsText = metricsText
        }
    }

    public init(tokens: TokenService, accounts: AccountService, settings: Settings, logger: Logger) {
        self.tokens = tokens
        self.accounts = accounts
        self.settings = settings
        errors = ErrorMapping(logger: logger)
    }

    /// Every route of the service.
    public var routes: [Route] {
        oauthRoutes + sessionRoutes + userRoutes + metadataRoutes
    }

    /// An async handler whose thrown errors are written in `style`.
    func async(_ style: ErrorStyle, _ body: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) -> RouteHandler {
        .async { request in
            do {
                return try await body(request)
            } catch {
                return errors.response(for: error, style: style, request: request)
            }
        }
    }

    /// A sync handler whose thrown errors are written in `style`.
    func sync(_ style: ErrorStyle, _ body: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) -> RouteHandler {
        .sync { request in
            do {
                return try body(request)
            } catch {
                return errors.response(for: error, style: style, request: request)
            }
        }
    }

    /// The verified access token of a bearer request, with its session checked against the
    /// revocation view.
    func bearer(_ request: HTTPRequest) throws -> VerifiedJWT {
        guard let token = request.bearerToken else { throw MissingCredentials() }
        return try tokens.verifyAccessToken(token, audiences: settings.verifyAudiences)
    }

    /// A JSON object body, or `invalid_input` naming what is wrong.
    func jsonBody(_ request: HTTPRequest) throws -> JSONObject {
        guard request.contentType == "application/json" else { throw AuthError.invalidInputError(field: "body", detail: "Content-Type must be application/json") }
        guard let object = JSONValue(parsing: request.body)?.objectValue else { throw AuthError.invalidInputError(field: "body", detail: "body is not a JSON object") }
        return object
    }
}

/// No credentials at all: RFC 6750 §3.1 says answer with a bare challenge.
struct MissingCredentials: Error {}

/// A cookie-authenticated state change from an origin that is neither ours nor trusted.
struct CrossSiteRequest: Error {}

