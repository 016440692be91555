/// Persistent state behind the token service. Implementations (SQLite, PostgreSQL) must pass
/// the shared contract suite; TesseraAuth holds every rule and the stores only keep data.
public protocol AuthStore: Sendable {
    /// Applies any migrations not yet recorded in the database.
    func migrate() async throws

    /// Runs `body` as one transaction: committed if it returns, rolled back if it throws. Row
    /// reads inside it that are marked `forUpdate` lock the row (or the database) until the end,
    /// so concurrent read-modify-write sequences on one row are serialised.
    func transaction<T: Sendable>(_ body: @Sendable (any AuthTransaction) async throws -> T) async throws -> T

    /// Runs `body` as a read-only transaction on a consistent snapshot, taking no write lock
    /// (SQLite: a second connection, `BEGIN DEFERRED`; PostgreSQL reads never block). For every
    /// request that changes nothing, so that a flood of them cannot queue behind writers or
    /// hold writers up. `body` must not write or lock rows.
    func read<T: Sendable>(_ body: @Sendable (any AuthTransaction) async throws -> T) async throws -> T

    /// Applies `step` if `step.admits` the presented token, its session and user as they are,
    /// as one atomic operation in one round trip (PostgreSQL: one statement; SQLite: one
    /// statement and the read of its rows in one transaction), and returns the rows as written. Returns nil,
    /// having changed nothing, when the step does not apply. Two concurrent steps on one token:
    /// at most one applies.
    func rotateRefreshToken(_ step: RefreshRotationStep) async throws -> RotatedRefreshToken?

    /// Sessions revoked at or after `since` whose absolute expiry is after `expiringAfter`, for
    /// the in-memory revocation view. Runs outside any transaction.
    func sessionsRevoked(since: Int64, expiringAfter: Int64) async throws -> [RevokedSession]

    /// Session-less access tokens (client_credentials) revoked at or after `since` that expire
    /// after `expiringAfter`, by `jti`, for the same view. Runs outside any transaction.
    func tokensRevoked(since: Int64, expiringAfter: Int64) async throws -> [RevokedToken]

    /// Whether the store answers (for readiness checks).
    func ping() async throws

    /// Releases connections; the store must not be used afterwards.
    func close() async throws
}

/// The operations available inside one transaction.
public protocol AuthTransaction: Sendable {
    // Users
    /// Inserts a user; throws `AuthError.conflict("username", …)` when the username is taken.
    func insertUser(_ user: User) async throws
    /// The user; with `forUpdate`, its row stays locked until the transaction ends, so that a
    /// change of roles and a login that reads them are serialised.
    func user(id: String, forUpdate: Bool) async throws -> User?
    func user(username: String) async throws -> User?
    /// Users ordered by username, starting after `username` (keyset pagination).
    func users(after username: String?, limit: Int) async throws -> [User]
    func updateUser(_ user: User) async throws
    func deleteUser(id: String) async throws

    // Clients
    /// Inserts a client; throws `AuthError.conflict("client_id", …)` when the id is taken.
    func insertClient(_ client: OAuthClient) async throws
    /// The client; `shared` keeps it from being removed until the transaction ends (logins),
    /// `exclusive` waits for those and keeps new ones out (removal).
    func client(id: String, lock: RowLock) async throws -> OAuthClient?
    func clients() async throws -> [OAuthClient]
    /// Stores a client's grants, scopes, audiences and permissions.
    func updateClient(_ client: OAuthClient) async throws
    func deleteClient(id: String) async throws

    // Sessions
    func insertSession(_ session: Session) async throws
    func session(id: String, forUpdate: Bool) async throws -> Session?
    /// The session whose cookie secret hashes to `cookieHash`; with `forUpdate`, locked.
    func session(cookieHash: String, forUpdate: Bool) async throws -> Session?
    /// A user's sessions, newest first.
    func sessions(userID: String) async throws -> [Session]
    /// The sessions started through a client, newest first.
    func sessions(clientID: String) async throws -> [Session]
    /// The sessions started from a browser session (authorization codes), newest first.
    func sessions(parentID: String) async throws -> [Session]
    func updateSession(_ session: Session) async throws

    // The authorization code flow
    func insertPendingAuthorization(_ pending: PendingAuthorization) async throws
    /// The pending request whose CSRF token hashes to `hash`; with `forUpdate`, locked.
    func pendingAuthorization(hash: String, forUpdate: Bool) async throws -> PendingAuthorization?
    /// Records the browser session a pending request's user logged in with, and the request as
    /// the consent page shows it.
    func updatePendingAuthorization(_ pending: PendingAuthorization) async throws
    func deletePendingAuthorization(hash: String) async throws
    func insertAuthorizationCode(_ code: AuthorizationCode) async throws
    /// The code whose hash is `hash`, locked until the transaction ends.
    func authorizationCodeForExchange(hash: String) async throws -> AuthorizationCode?
    /// Records a code's use and the session its exchange started.
    func updateAuthorizationCode(_ code: AuthorizationCode) async throws
    /// What `userID` consented `clientID` may have, if anything.
    func consent(userID: String, clientID: String) async throws -> Consent?
    /// A user's consents, by client id.
    func consents(userID: String) async throws -> [Consent]
    /// Stores a consent, replacing the user's earlier one for the client.
    func saveConsent(_ consent: Consent) async throws
    func deleteConsent(userID: String, clientID: String) async throws

    // Revoked session-less access tokens
    /// Records the revocation of the access token `jti`, kept until `expiresAt`; revoking twice is harmless.
    func insertRevokedToken(jti: String, expiresAt: Int64, at: Int64) async throws

    // Refresh tokens
    func insertRefreshToken(_ token: RefreshTokenRecord) async throws
    func refreshToken(hash: String, forUpdate: Bool) async throws -> RefreshTokenRecord?
    /// The refresh token, its session and the session's user, in one read; the token and the
    /// session rows are locked until the transaction ends.
    func refreshTokenForRotation(hash: String) async throws -> (RefreshTokenRecord, Session, User?)?
    func updateRefreshToken(_ token: RefreshTokenRecord) async throws
    /// Marks every not yet revoked token of the family revoked at `at`.
    func revokeRefreshFamily(_ familyID: String, at: Int64) async throws
    /// Marks every not yet revoked token of the session revoked at `at`.
    func revokeRefreshTokens(sessionID: String, at: Int64) async throws

    // Login attempts
    /// Serialises throttling decisions for one username and for one source until the
    /// transaction ends (always taken in that order), so that concurrent attempts cannot all
    /// pass a check meant to let a few through.
    func lockLoginThrottle(username: String, source: String) async throws
    /// Records an attempt as failed before the password is checked (a reservation); returns its id.
    func reserveLoginAttempt(username: String, ip: String, at: Int64) async throws -> Int64
    /// Marks a reserved attempt as the success it turned out to be.
    func markLoginAttemptSucceeded(id: Int64) async throws
    /// Deletes a reservation whose password check never ran (the hashing queue was full).
    func releaseLoginAttempt(id: Int64) async throws
    /// Counts a throttled attempt of `username` from `ip` (one row per pair, not one per
    /// attempt); returns the pair's count so far.
    func countThrottledLogin(username: String, ip: String, at: Int64) async throws -> Int64
    /// Adds `use` to the verifications counted for `kid` (and keeps the later last use).
    func addKeyUse(kid: String, _ use: KeyUse) async throws
    /// Every instance's verifications per kid.
    func keyUses() async throws -> [String: KeyUse]
    /// Remembers that `username` logged in successfully from `ip` at `at`.
    func rememberLoginSource(username: String, ip: String, at: Int64) async throws
    /// Whether `username` logged in successfully from `ip` at or after `since`.
    func isKnownLoginSource(username: String, ip: String, since: Int64) async throws -> Bool
    /// Failed attempts at or after `since` matching the username and/or ip given (nil matches
    /// any), and the newest failure's time. With `afterLastSuccess`, only failures after the most
    /// recent success matching the same filter count.
    func loginFailures(username: String?, ip: String?, since: Int64, afterLastSuccess: Bool) async throws -> LoginFailures
    /// Deletes attempts and throttle counts older than `before`, and sources last seen before `sourcesBefore`.
    func pruneLoginAttempts(before: Int64, sourcesBefore: Int64) async throws

    // Retention
    /// Deletes sessions that ended before `endedBefore` with all their refresh tokens (a spent
    /// token of a live session is kept: reuse detection needs it) and authorization codes that
    /// expired before it (a used one is kept that long for reuse detection), pending
    /// authorization requests that expired before `formsBefore`, and audit events older than
    /// `auditBefore`.
    /// Returns how many rows of each went.
    func pruneExpired(endedBefore: Int64, auditBefore: Int64, formsBefore: Int64) async throws -> PrunedRows

    // Audit
    func insertAuditEvent(_ event: AuditEvent) async throws
    /// The newest events first.
    func auditEvents(limit: Int) async throws -> [AuditEvent]

    // Schema
    /// The migration versions recorded as applied, in order.
    func schemaVersions() async throws -> [Int]
}

extension AuthTransaction {
    /// The user, read without a lock.
    public func user(id: String) async throws -> User? { try await user(id: id, forUpdate: false) }
    /// The client, read without a lock.
    public func client(id: String) async throws -> OAuthClient? { try await client(id: id, lock: .none) }
}

/// How a read locks the row it returns until the transaction ends (PostgreSQL; SQLite
/// transactions are serialised whole).
public enum RowLock: Sendable {
    case none
    /// Others may read and share-lock it, not change or delete it (`FOR SHARE`).
    case shared
    /// Nobody else may lock it (`FOR UPDATE`).
    case exclusive
}

/// A revoked session as the revocation view needs it.
public struct RevokedSession: Sendable, Hashable {
    public var id: String
    public var absoluteExpiresAt: Int64

    public init(id: String, absoluteExpiresAt: Int64) {
        self.id = id
        self.absoluteExpiresAt = absoluteExpiresAt
    }
}

/// What a retention run deleted.
public struct PrunedRows: Sendable, Hashable {
    public var refreshTokens: Int
    public var sessions: Int
    public var auditEvents: Int

    public init(refreshTokens: Int, sessions: Int, auditEvents: Int) {
        self.refreshTokens = refreshTokens
        self.sessions = sessions
        self.auditEvents = auditEvents
    }
}

/// A revoked access token that has no session, by `jti`, as the revocation view needs it.
public struct RevokedToken: Sendable, Hashable {
    public var jti: String
    public var expiresAt: Int64

    public init(jti: String, expiresAt: Int64) {
        self.jti = jti
        self.expiresAt = expiresAt
    }
}

/// How many failed logins match a filter, and when the last one was.
public struct LoginFailures: Sendable, Hashable {
    public var count: Int
    public var latest: Int64?

    public init(count: Int, latest: Int64?) {
        self.count = count
        self.latest = latest
    }
}
