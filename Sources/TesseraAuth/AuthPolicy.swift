/// The rules of the token service, with production defaults.
public struct AuthPolicy: Sendable {
    /// `iss` of every token.
    public var issuer: String
    /// Audiences for clients that name none of their own.
    public var defaultAudiences: [String]
    /// Access token lifetime in seconds (default 15 minutes).
    public var accessTokenTTL: Int64 = 900
    /// The longest access-token lifetime any verification accepts (RFC 9068 profile: `exp − iat`
    /// and `exp − now`, in seconds; `token.max_ttl_seconds`, default 1 day).
    public var maximumAccessTokenLifetime: Int64 = 86400
    /// Header `typ` of the access tokens signed and required on every verification.
    public var accessTokenType = "at+jwt"
    /// Clock skew, in seconds, allowed when verifying `exp`, `nbf` and `iat`.
    public var leeway = 60
    /// Longest access token accepted, in bytes; longer ones are refused before parsing.
    public var maximumTokenBytes = 8192
    /// Refresh token lifetime in seconds; each rotation starts a new one (default 7 days).
    public var refreshTokenTTL: Int64 = 7 * 86400
    /// A session unused this long ends (default 7 days, the refresh lifetime).
    public var sessionIdleTimeout: Int64 = 7 * 86400
    /// A cookie session's last use is written at most this often, in seconds (default 60): its
    /// idle expiry may be that much earlier than the last request.
    public var sessionTouchInterval: Int64 = 60
    /// A browser cookie session unused this long ends (default 12 hours).
    public var cookieSessionIdleTimeout: Int64 = 12 * 3600
    /// A browser cookie session ends this long after login whatever the use (default 7 days);
    /// the cookie's `Max-Age` is the same, so it never outlives its session.
    public var cookieSessionAbsoluteTimeout: Int64 = 7 * 86400
    /// A session ends this long after login whatever the use (default 30 days).
    public var sessionAbsoluteTimeout: Int64 = 30 * 86400
    /// Seconds after a refresh token is spent during which presenting it again is treated as the
    /// client's retry, not as theft (default 0: every reuse revokes, RFC 9700 §4.14.2).
    public var refreshReuseGrace: Int64 = 0
    /// Shortest new password, in characters (`password.min_length`, default 15: the minimum of
    /// NIST SP 800-63B-4 §3.1.1.2 for a password that is the only factor).
    public var minimumPasswordLength = 15
    /// Login throttling.
    public var throttle = LoginThrottlePolicy()
    /// Ended sessions and ended (revoked, spent, expired) refresh tokens are deleted this long
    /// after they end, in seconds (default 30 days).
    public var endedRetention: Int64 = 30 * 86400
    /// Audit events are deleted when older than this, in seconds (default 90 days).
    public var auditRetention: Int64 = 90 * 86400
    /// When set, access tokens are refused with `store_unavailable` (503) while the revocation
    /// view has not been refreshed for this many seconds: a revocation made elsewhere may be
    /// missing (fail closed). Nil (the library default) never checks; `tessera serve` sets it.
    public var revocationMaximumStaleness: Int64?
    /// Which scopes need which role.
    public var scopes = ScopePolicy()

    /// A policy with the defaults and this issuer and default audience.
    public init(issuer: String, defaultAudiences: [String]) {
        self.issuer = issuer
        self.defaultAudiences = defaultAudiences
    }

    /// The policy for tokens from `issuer` shaped by the `token`, `auth` and `session` sections.
    public init(issuer: String, token: TokenConfiguration, authorization: AuthorizationConfiguration, session: SessionConfiguration) {
        self.init(issuer: issuer, defaultAudiences: token.audiences)
        scopes = authorization.scopes
        sessionIdleTimeout = Int64(session.refreshIdle)
        sessionAbsoluteTimeout = Int64(session.refreshAbsolute)
        refreshTokenTTL = Int64(session.refreshIdle)
        cookieSessionIdleTimeout = Int64(session.cookieIdle)
        cookieSessionAbsoluteTimeout = Int64(session.cookieAbsolute)
        accessTokenTTL = Int64(token.ttlSeconds)
        maximumAccessTokenLifetime = Int64(token.maximumTTLSeconds)
        accessTokenType = token.type
        leeway = token.leewaySeconds
        maximumTokenBytes = token.maximumBytes
    }
}

/// Progressive delays after failed logins, per account-and-IP pair, per IP and per account.
///
/// A pair (one username from one IP) gets `freeAttemptsPerPair` failures in the window; each
/// further failure doubles the wait, from `baseDelay` up to `maximumDelay`. Throttled attempts are
/// not counted, so an attacker on one IP adds only a few failures per window to an account and can
/// never reach the account-wide threshold alone: the real user, on another IP, keeps logging in.
/// The per-IP and per-account thresholds slow spraying across accounts and distributed guessing,
/// always with a bounded wait.
public struct LoginThrottlePolicy: Sendable {
    /// Seconds a failure counts for (default 15 minutes).
    public var window: Int64 = 900
    public var freeAttemptsPerPair = 5
    public var freeAttemptsPerIP = 100
    public var freeAttemptsPerAccount = 50
    /// First delay after the free attempts, in seconds.
    public var baseDelay: Int64 = 1
    /// Longest delay ever asked for, in seconds.
    public var maximumDelay: Int64 = 900
    /// How long a source (an address, an IPv6 /64) stays known for an account after a successful
    /// login from it: known sources skip the per-account limit (default 30 days).
    public var knownSourceLifetime: Int64 = 30 * 86400

    /// Default throttling.
    public init() {}

    /// Seconds still to wait after `failures`, the newest at `latest`, with `free` allowed.
    func wait(failures: Int, latest: Int64?, free: Int, now: Int64) -> Int64 {
        guard failures >= free, let latest else { return 0 }
        let excess = min(failures - free, 30)
        let delay = min(maximumDelay, baseDelay << Int64(excess))
        return max(0, latest + delay - now)
    }
}
