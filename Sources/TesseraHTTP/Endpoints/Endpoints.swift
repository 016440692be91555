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
    /// The rate limits of state-changing requests: per address, and per authenticated client.
    let admission: ClientAdmission
    /// `/readyz`'s answer, asked of the store at most once a second.
    let readiness: Readiness
    /// Where the hosted login pages live under the issuer, worked out once.
    let pages: LoginPages.Paths

    /// What the endpoints read from configuration: the issuer and audiences (top-level and
    /// `token` keys) and the `http` section as it is, never copied field by field.
    public struct Settings: Sendable {
        /// Public base URL, equal to the token issuer (RFC 8414 §3).
        public var issuer: String
        /// Audiences `/v1/verify` accepts.
        public var verifyAudiences: Set<String>
        /// The login client, signup switch and trusted browser origins.
        public var http: HTTPConfiguration
        /// The Prometheus text for `GET /metrics`; nil leaves the route out.
        public var metricsText: (@Sendable () -> [UInt8])?

        public init(issuer: String, verifyAudiences: Set<String>, http: HTTPConfiguration, metricsText: (@Sendable () -> [UInt8])?) {
            self.issuer = issuer
            self.verifyAudiences = verifyAudiences
            self.http = http
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
            trustedOrigins: settings.http.corsOrigins)
        pages = LoginPages.Paths(issuer: settings.issuer)
        let http = settings.http
        let clock = tokens.environment.clock
        let store = tokens.store
        let sessions = tokens.sessions
        readiness = Readiness(clock: clock) {
            try await store.ping()
            guard sessions.revocationViewIsFresh else { throw AuthError.storeUnavailable("the revocation view is stale") }
        }
        admission = ClientAdmission(
            addresses: http.rateLimitPerSecond > 0 ? RateLimiter(burst: http.rateLimitBurst, perSecond: Double(http.rateLimitPerSecond), clock: clock) : nil,
            clients: http.clientRateLimitPerSecond > 0
                ? RateLimiter(burst: http.clientRateLimitBurst, perSecond: Double(http.clientRateLimitPerSecond), clock: clock) : nil)
    }

    /// Every route of the service.
    public var routes: [Route] {
        oauthRoutes + authorizeRoutes + openIDRoutes + sessionRoutes + userRoutes + metadataRoutes
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
