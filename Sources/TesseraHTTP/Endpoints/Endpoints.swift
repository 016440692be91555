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
    let errors: ErrorResponder
    let authenticator: Authenticator

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
        errors = ErrorResponder(logger: logger)
        authenticator = Authenticator(
            tokens: tokens, audiences: settings.verifyAudiences, issuer: settings.issuer,
            trustedOrigins: settings.trustedOrigins)
    }

    /// Every route of the service.
    public var routes: [Route] {
        oauthRoutes + sessionRoutes + userRoutes + metadataRoutes
    }

    /// A group of routes anyone may call, writing errors in `style`.
    func publicRoutes(_ style: ErrorStyle) -> PublicRoutes { PublicRoutes(style: style, errors: errors) }

    /// A group of routes whose handlers run only for a caller meeting `requirement`.
    func authenticatedRoutes(_ requirement: CallerRequirement) -> AuthenticatedRoutes {
        AuthenticatedRoutes(requirement, authenticator: authenticator, errors: errors)
    }

    /// A JSON object body, or an input error naming what is wrong.
    func jsonBody(_ request: HTTPRequest) throws -> JSONObject {
        guard request.contentType == "application/json" else { throw HTTPInputError(field: "body", detail: "Content-Type must be application/json") }
        guard let object = JSONValue(parsing: request.body)?.objectValue else { throw HTTPInputError(field: "body", detail: "body is not a JSON object") }
        return object
    }
}
