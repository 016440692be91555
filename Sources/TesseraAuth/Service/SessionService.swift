import TesseraCrypto
import TesseraJWT

/// Sessions and their refresh-token families, and the in-memory view of revoked sessions that
/// access-token verification checks. Every revocation made here enters the view at once; those
/// made elsewhere arrive through `refreshRevocations()`.
public struct SessionService: Sendable {
    let environment: AuthEnvironment
    /// Sessions known to be revoked.
    public let revoked: RevokedSessions

    /// A new session and the first refresh token of its family.
    struct Started: Sendable {
        let session: Session
        let refreshToken: String?
        let cookieSecret: String?
    }

    /// Starts a session for `user` through `client`, inside `tx`: with `withCookie`, also the
    /// secret of a browser session cookie; with `withRefreshToken`, the first refresh token;
    /// with `parent`, as a session of that browser session (an authorization code), ending at
    /// its absolute expiry at the latest.
    func start(
        _ tx: any AuthTransaction, user: User, client: OAuthClient, scope: String, now: Int64, withCookie: Bool,
        withRefreshToken: Bool = true, parent: Session? = nil
    ) async throws -> Started {
        let cookie = withCookie ? try OpaqueSecret.generate() : nil
        let (idle, lifetime) = lifetimes(cookie: withCookie)
        let absolute = min(now + lifetime, parent?.absoluteExpiresAt ?? .max)
        let session = Session(
            id: try Self.newSessionID(), userID: user.id, clientID: client.id,
            createdAt: now, lastSeenAt: now, idleExpiresAt: min(now + idle, absolute),
            absoluteExpiresAt: absolute, revokedAt: nil, cookieHash: cookie?.storedHash, scope: scope, parentID: parent?.id)
        try await tx.insertSession(session)
        let token =
            withRefreshToken
            ? try await issueRefreshToken(
                tx, family: Base64URL.encode(try SecureRandom.bytes(count: 16)), session: session,
                clientID: client.id, parent: nil, scope: scope, now: now) : nil
        return Started(session: session, refreshToken: token, cookieSecret: cookie?.value)
    }

    /// A new session id: 256 random bits, base64url, never starting with "-" so that
    /// `tessera session revoke ID` cannot read it as an option (one id in 64 would otherwise).
    static func newSessionID() throws -> String {
        while true {
            let id = Base64URL.encode(try SecureRandom.bytes(count: 32))
            if !id.hasPrefix("-") { return id }
        }
    }

    /// A new refresh token in `family`, stored by its hash; it expires with its session at the latest.
    func issueRefreshToken(
        _ tx: any AuthTransaction, family: String, session: Session, clientID: String,
        parent: String?, scope: String, now: Int64
    ) async throws -> String {
        let secret = try OpaqueSecret.generate()
        try await tx.insertRefreshToken(
            RefreshTokenRecord(
                hash: secret.storedHash, familyID: family, sessionID: session.id,
                clientID: clientID, parentHash: parent, scope: scope, issuedAt: now,
                expiresAt: min(now + environment.policy.refreshTokenTTL, session.absoluteExpiresAt), spentAt: nil, revokedAt: nil))
        return secret.value
    }

    /// Marks a session used now: its idle expiry moves forward, never past its absolute one.
    func touch(_ session: inout Session, now: Int64) {
        session.lastSeenAt = now
        session.idleExpiresAt = min(now + lifetimes(cookie: session.cookieHash != nil).idle, session.absoluteExpiresAt)
    }

    /// Idle and absolute timeouts of a browser cookie session, or of a refresh-token one.
    private func lifetimes(cookie: Bool) -> (idle: Int64, absolute: Int64) {
        let policy = environment.policy
        return cookie
            ? (policy.cookieSessionIdleTimeout, policy.cookieSessionAbsoluteTimeout) : (policy.sessionIdleTimeout, policy.sessionAbsoluteTimeout)
    }

    /// The active session a browser cookie names; nil for an unknown, ended or malformed cookie
    /// (which callers simply ignore). Looked up with a read; its idle expiry is pushed forward
    /// (a write) at most once per `sessionTouchInterval`, so neither a stranger's cookie nor a
    /// page polling `/v1/me` takes the write lock on every request.
    public func session(cookie secret: String) async throws -> Session? {
        guard secret.utf8.count == 43 else { return nil }
        let hash = try OpaqueSecret.storedHash(of: secret)
        let now = environment.now
        let found = try await environment.store.read { try await $0.session(cookieHash: hash, forUpdate: false) }
        guard let found, found.isActive(at: now) else { return nil }
        guard now - found.lastSeenAt >= environment.policy.sessionTouchInterval else { return found }
        return try await environment.store.transaction { tx in
            guard var session = try await tx.session(cookieHash: hash, forUpdate: true), session.isActive(at: now) else { return nil }
            touch(&session, now: now)
            try await tx.updateSession(session)
            return session
        }
    }

    /// Brings the revocation view up to date with revocations made anywhere (another instance,
    /// the CLI). Run it every poll interval: a revocation is then refused here within one
    /// interval plus one query.
    public func refreshRevocations() async throws {
        try await revoked.refresh(from: environment.store, now: environment.now, retention: environment.policy.accessTokenTTL + 60)
    }

    /// False while the revocation view is older than the policy allows (then access tokens are
    /// refused); always true when the policy sets no limit.
    public var revocationViewIsFresh: Bool {
        guard let maximumAge = environment.policy.revocationMaximumStaleness else { return true }
        return !revoked.isStale(now: environment.now, maximumAge: maximumAge)
    }

    /// Ends one session: its refresh tokens stop working and its access tokens stop verifying.
    public func logout(sessionID: String) async throws {
        try await revoke(id: sessionID, kind: .logout)
    }

    /// Revokes a session by id (an operator action).
    public func revoke(id: String) async throws {
        try await revoke(id: id, kind: .sessionRevoked)
    }

    private func revoke(id: String, kind: AuditEvent.Kind) async throws {
        let now = environment.now
        let ended = try await environment.store.transaction { tx in
            try await revoke(tx, id: id, at: now, kind: kind, clientID: nil)
        }
        guard !ended.isEmpty else { throw AuthError.notFound("no such session") }
        forget(ended)
    }

    /// Ends every session of a user. Returns how many were active.
    @discardableResult
    public func logoutEverywhere(userID: String) async throws -> Int {
        let now = environment.now
        let ended = try await environment.store.transaction { tx in
            let ended = try await revokeAll(tx, userID: userID, except: nil, at: now)
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .logoutAll, userID: userID, detail: "\(ended.count) sessions"))
            return ended
        }
        forget(ended)
        return ended.count
    }

    /// Deletes what the retention policy no longer keeps: sessions, refresh tokens and
    /// authorization codes ended `endedRetention` ago, audit events older than
    /// `auditRetention`, and login forms that expired. Run it periodically.
    @discardableResult
    public func pruneExpired() async throws -> PrunedRows {
        let now = environment.now
        let policy = environment.policy
        return try await environment.store.transaction {
            try await $0.pruneExpired(endedBefore: now - policy.endedRetention, auditBefore: now - policy.auditRetention, formsBefore: now)
        }
    }

    /// A user's sessions, newest first.
    public func list(userID: String) async throws -> [Session] {
        try await environment.store.read { try await $0.sessions(userID: userID) }
    }

    /// Marks one session and its refresh tokens revoked, with an audit event, and with it the
    /// sessions started from it (a browser session's authorization codes). Returns them, the
    /// named one first, or nothing if there is none; revoking twice is harmless.
    func revoke(_ tx: any AuthTransaction, id: String, at now: Int64, kind: AuditEvent.Kind, clientID: String?) async throws -> [RevokedSession] {
        guard let session = try await tx.session(id: id, forUpdate: true) else { return [] }
        if session.revokedAt == nil {
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: kind, userID: session.userID, clientID: clientID, detail: "session \(id.prefix(8))"))
        }
        return [try await markRevoked(tx, session, at: now)] + (try await end(tx, try await tx.sessions(parentID: id), at: now))
    }

    /// Revokes every session of a user except `except`; returns those revoked now.
    func revokeAll(_ tx: any AuthTransaction, userID: String, except: String?, at now: Int64) async throws -> [RevokedSession] {
        try await end(tx, try await tx.sessions(userID: userID).filter { $0.id != except }, at: now)
    }

    /// Revokes those of `candidates` not revoked yet, and their refresh tokens; returns them.
    func end(_ tx: any AuthTransaction, _ candidates: [Session], at now: Int64) async throws -> [RevokedSession] {
        var ended: [RevokedSession] = []
        for session in candidates where session.revokedAt == nil {
            ended.append(try await markRevoked(tx, session, at: now))
        }
        return ended
    }

    /// Puts sessions revoked by a committed transaction into the revocation view.
    func forget(_ sessions: [RevokedSession]) {
        for session in sessions { revoked.insert(session.id, absoluteExpiresAt: session.absoluteExpiresAt) }
    }

    /// Marks a session (if not yet) and its refresh tokens revoked.
    private func markRevoked(_ tx: any AuthTransaction, _ session: Session, at now: Int64) async throws -> RevokedSession {
        if session.revokedAt == nil {
            var ended = session
            ended.revokedAt = now
            try await tx.updateSession(ended)
        }
        try await tx.revokeRefreshTokens(sessionID: session.id, at: now)
        return RevokedSession(id: session.id, absoluteExpiresAt: session.absoluteExpiresAt)
    }
}
