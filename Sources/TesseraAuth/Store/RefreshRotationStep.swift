/// The common refresh as one store operation: spend a live refresh token and issue its successor,
/// atomically and in one round trip to the database (`AuthStore.rotateRefreshToken`).
///
/// TesseraAuth decides what "live" means (`admits`) and every value written (`spent`, `touched`,
/// `successor`); a store only applies the step, and the contract suite checks that each store
/// admits exactly what `admits` admits and writes exactly those values. Everything else (a spent
/// token presented again, the grace window, a narrowed scope, the reason for a refusal) goes
/// through `RefreshRotation`'s locking transaction.
public struct RefreshRotationStep: Sendable, Hashable {
    /// SHA-256 of the presented refresh token.
    public var hash: String
    /// The client presenting it: the token must have been issued to this client.
    public var clientID: String
    public var now: Int64
    /// SHA-256 of the new refresh token.
    public var successorHash: String
    /// How long the new refresh token lives, never past its session's absolute end.
    public var successorLifetime: Int64
    /// How far the session's idle expiry moves forward from `now`, never past its absolute end.
    public var sessionIdleTimeout: Int64

    public init(hash: String, clientID: String, now: Int64, successorHash: String, successorLifetime: Int64, sessionIdleTimeout: Int64) {
        self.hash = hash
        self.clientID = clientID
        self.now = now
        self.successorHash = successorHash
        self.successorLifetime = successorLifetime
        self.sessionIdleTimeout = sessionIdleTimeout
    }

    /// Whether the step applies: the token is the one presented, issued to this client, neither
    /// spent nor revoked nor expired; its session is a refresh-token session (no browser cookie,
    /// whose idle timeout differs) and active; its user exists and is active.
    public func admits(_ token: RefreshTokenRecord, session: Session, user: User?) -> Bool {
        token.hash == hash && token.clientID == clientID && token.spentAt == nil && token.revokedAt == nil && now < token.expiresAt
            && token.sessionID == session.id && session.cookieHash == nil && session.isActive(at: now)
            && user?.id == session.userID && user?.status == .active
    }

    /// The presented token once spent.
    public func spent(_ token: RefreshTokenRecord) -> RefreshTokenRecord {
        var spent = token
        spent.spentAt = now
        return spent
    }

    /// The session once used now.
    public func touched(_ session: Session) -> Session {
        var touched = session
        touched.lastSeenAt = now
        touched.idleExpiresAt = min(now + sessionIdleTimeout, session.absoluteExpiresAt)
        return touched
    }

    /// The new refresh token: same family, session, client and scope as the spent one.
    public func successor(of token: RefreshTokenRecord, in session: Session) -> RefreshTokenRecord {
        RefreshTokenRecord(
            hash: successorHash, familyID: token.familyID, sessionID: token.sessionID, clientID: token.clientID, parentHash: token.hash,
            scope: token.scope, issuedAt: now, expiresAt: min(now + successorLifetime, session.absoluteExpiresAt), spentAt: nil, revokedAt: nil)
    }
}

/// What a store returns for an applied `RefreshRotationStep`: every row as it is afterwards.
public struct RotatedRefreshToken: Sendable, Hashable {
    public var spent: RefreshTokenRecord
    public var successor: RefreshTokenRecord
    public var session: Session
    public var user: User

    public init(spent: RefreshTokenRecord, successor: RefreshTokenRecord, session: Session, user: User) {
        self.spent = spent
        self.successor = successor
        self.session = session
        self.user = user
    }
}
