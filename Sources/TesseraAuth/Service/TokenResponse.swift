/// A successful token response (RFC 6749 §5.1).
public struct TokenResponse: Sendable, Hashable {
    public var accessToken: String
    /// Always `Bearer` (RFC 6750).
    public var tokenType: String { "Bearer" }
    /// Access token lifetime in seconds.
    public var expiresIn: Int64
    /// Absent for client_credentials (RFC 6749 §4.4.3).
    public var refreshToken: String?
    /// The granted scope, space-separated.
    public var scope: String
    /// The session the tokens belong to (nil for client_credentials).
    public var sessionID: String?
    /// The authenticated user (nil for client_credentials).
    public var userID: String?
    /// The browser session cookie's secret, when a cookie session was asked for.
    public var cookieSecret: String?
    /// The OpenID Connect ID token, when the grant has the `openid` scope.
    public var idToken: String?
}
