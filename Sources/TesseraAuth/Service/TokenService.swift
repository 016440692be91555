import TesseraCrypto
import TesseraJWT

/// The OAuth 2.0 token service, one part per concern over one shared `AuthEnvironment`:
/// client authentication, the four grants and the authorization code flow around them, sessions and their revocation view, access-token
/// signing and verification, revocation (RFC 7009) and introspection (RFC 7662). Every state
/// change is one store transaction.
public struct TokenService: Sendable {
    public let environment: AuthEnvironment
    public let clients: ClientAuthenticator
    public let accessTokens: AccessTokens
    public let sessions: SessionService
    public let login: PasswordLogin
    public let refresh: RefreshRotation
    public let clientCredentials: ClientCredentialsGrant
    public let revocation: TokenRevocation
    public let introspection: Introspection
    public let entitlements: Entitlements
    public let authorization: AuthorizationCodeFlow
    public let authorizationCode: AuthorizationCodeGrant
    public let openID: OpenIDConnect

    /// The parts over `environment`, signing with `keyRing`.
    public init(environment: AuthEnvironment, keyRing: JWTKeyRing, revokedSessions: RevokedSessions = RevokedSessions()) {
        self.environment = environment
        clients = ClientAuthenticator(environment: environment)
        sessions = SessionService(environment: environment, revoked: revokedSessions)
        accessTokens = AccessTokens(environment: environment, keyRing: keyRing, revokedSessions: revokedSessions)
        login = PasswordLogin(environment: environment, sessions: sessions, accessTokens: accessTokens)
        refresh = RefreshRotation(environment: environment, sessions: sessions, accessTokens: accessTokens)
        clientCredentials = ClientCredentialsGrant(environment: environment, accessTokens: accessTokens)
        revocation = TokenRevocation(environment: environment, sessions: sessions, accessTokens: accessTokens)
        introspection = Introspection(environment: environment, accessTokens: accessTokens)
        entitlements = Entitlements(environment: environment)
        authorization = AuthorizationCodeFlow(environment: environment, sessions: sessions, accessTokens: accessTokens, passwords: login)
        authorizationCode = AuthorizationCodeGrant(environment: environment, sessions: sessions, accessTokens: accessTokens)
        openID = OpenIDConnect(environment: environment, sessions: sessions, accessTokens: accessTokens)
    }

    /// A token service over `store`, signing with `keyRing`.
    public init(
        store: any AuthStore, keyRing: JWTKeyRing, policy: AuthPolicy, hasher: PasswordHasher,
        hashingPool: PasswordHashingPool = PasswordHashingPool(), clock: JWTClock = .system,
        revokedSessions: RevokedSessions = RevokedSessions()
    ) {
        self.init(
            environment: AuthEnvironment(store: store, policy: policy, clock: clock, hasher: hasher, hashingPool: hashingPool),
            keyRing: keyRing, revokedSessions: revokedSessions)
    }

    public var store: any AuthStore { environment.store }
    public var policy: AuthPolicy { environment.policy }
}
