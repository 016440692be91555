/// What a verifier requires of a token beyond its signature. Defaults are the strict choices.
public struct JWTValidationOptions: Sendable {
    /// Tokens longer than this many bytes are rejected before any parsing (default 8 KiB).
    public var maximumTokenBytes = 8192
    /// Allowed clock skew in seconds for `exp`, `nbf` and `iat` (default 60).
    public var leeway: Double = 60
    /// The most leeway any verifier applies, whatever `leeway` says (RFC 8725 §3.10 asks for a
    /// small one): five minutes. Negative or non-finite values count as none.
    public static let maximumLeeway: Double = 300
    /// Whether a token without `exp` is rejected (default true).
    public var requireExpiration = true
    /// The required `iss`, or nil to accept any issuer.
    public var issuer: String?
    /// Audiences this verifier answers to; a token must name at least one of them. When empty, a
    /// token that carries `aud` is rejected (RFC 7519 §4.1.3: a recipient that does not identify
    /// itself with the audience must reject), and one without `aud` is accepted.
    public var audiences: Set<String> = []
    /// Whether `aud` is checked at all (default true). Only an issuer introspecting its own
    /// tokens for someone else (RFC 7662) should turn this off.
    public var checksAudience = true
    /// The required header `typ`, compared case-insensitively with an optional `application/`
    /// prefix (RFC 7515 §4.1.9, RFC 9068 §2.1); nil skips the check. Default `at+jwt`.
    public var expectedType: String? = "at+jwt"
    /// When set, the RFC 9068 §2.2 access-token profile on top: `iss`, `exp`, `aud`, `sub`,
    /// `client_id`, `iat` and `jti` present; `sub` and `client_id` non-empty strings without
    /// control characters; `jti` a non-empty string; `exp − iat` at most this many seconds and
    /// `exp` no later than now plus this plus the leeway (an absurd `exp` is refused). Nil
    /// (the default) checks plain RFC 7519 JWTs.
    public var maximumAccessTokenLifetime: Double?
    /// The clock `exp`, `nbf` and `iat` are checked against.
    public var clock: JWTClock = .system
    /// Whether a token past its `exp` is still accepted (default false). Only for an issuer
    /// reading back its own ID token as a logout hint, which OpenID Connect RP-Initiated Logout
    /// §2 asks to accept after it expires; never for a token that grants access.
    public var acceptsExpired = false

    /// Options with every default.
    public init() {}
}
