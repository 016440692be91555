/// A login session: what a refresh-token family and the access tokens' `sid` belong to.
public struct Session: Sendable, Hashable, Codable {
    /// 256 random bits, base64url; the `sid` claim.
    public var id: String
    public var userID: String
    public var clientID: String
    public var createdAt: Int64
    public var lastSeenAt: Int64
    /// Ends when the session is not used for the configured idle time.
    public var idleExpiresAt: Int64
    /// Ends at this time whatever the use.
    public var absoluteExpiresAt: Int64
    /// When it was revoked (logout, reuse detection, admin action), if it was.
    public var revokedAt: Int64?
    /// SHA-256 (hex) of the browser cookie secret, for sessions started with a cookie.
    public var cookieHash: String?
    /// The scope granted at login, space-separated: what every refresh of the session may
    /// issue at most, and what a change of the user's roles is checked against.
    public var scope: String
    /// For a session started by an authorization code: the browser (single sign-on) session
    /// the user logged in with, whose end ends this one too.
    public var parentID: String?

    /// A session record as stored.
    public init(
        id: String, userID: String, clientID: String, createdAt: Int64, lastSeenAt: Int64, idleExpiresAt: Int64, absoluteExpiresAt: Int64,
        revokedAt: Int64?, cookieHash: String? = nil, scope: String = "", parentID: String? = nil
    ) {
        self.id = id
        self.userID = userID
        self.clientID = clientID
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.idleExpiresAt = idleExpiresAt
        self.absoluteExpiresAt = absoluteExpiresAt
        self.revokedAt = revokedAt
        self.cookieHash = cookieHash
        self.scope = scope
        self.parentID = parentID
    }

    /// Whether the session can still be used at `now`.
    public func isActive(at now: Int64) -> Bool {
        revokedAt == nil && now < idleExpiresAt && now < absoluteExpiresAt
    }
}
