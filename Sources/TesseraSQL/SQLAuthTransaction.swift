import Foundation
import TesseraAuth

/// `AuthTransaction` in SQL, shared by the SQLite and PostgreSQL stores so that both keep data
/// identically. Lists are stored as space-separated text.
public struct SQLAuthTransaction: AuthTransaction {
    let db: any SQLExecutor

    /// Statements run on `db`, which must already be inside a transaction.
    public init(_ db: any SQLExecutor) { self.db = db }

    private var lock: String { db.dialect == .postgres ? " FOR UPDATE" : "" }

    private func run(_ sql: String, _ binds: [SQLValue] = [], conflict field: String? = nil) async throws -> [any SQLRow] {
        do {
            return try await db.query(sql, binds)
        } catch SQLError.uniqueViolation(let what) {
            guard let field else { throw SQLError.uniqueViolation(what) }
            throw AuthError.conflict(field, "\(field) already exists")
        }
    }

    // MARK: Users

    static let userColumns = "id, username, password_hash, status, created_at, updated_at, password_changed_at, roles, email"

    static func user(_ row: any SQLRow) throws -> User {
        guard let status = User.Status(rawValue: try row.requiredText(3)) else { throw SQLError.unexpectedValue("users.status") }
        return User(
            id: try row.requiredText(0), username: try row.requiredText(1), passwordHash: try row.requiredText(2), status: status,
            createdAt: try row.requiredInteger(4), updatedAt: try row.requiredInteger(5), passwordChangedAt: try row.requiredInteger(6),
            roles: Set(list(try row.requiredText(7))), email: try row.text(8))
    }

    public func insertUser(_ user: User) async throws {
        _ = try await run(
            "INSERT INTO users (\(Self.userColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            [
                .text(user.id), .text(user.username), .text(user.passwordHash), .text(user.status.rawValue),
                .integer(user.createdAt), .integer(user.updatedAt), .integer(user.passwordChangedAt), .text(Self.roles(user)),
                user.email.map(SQLValue.text) ?? .null,
            ], conflict: "username")
    }

    public func user(id: String, forUpdate: Bool) async throws -> User? {
        try await run("SELECT \(Self.userColumns) FROM users WHERE id = $1\(forUpdate ? lock : "")", [.text(id)]).first.map(Self.user)
    }

    public func user(username: String) async throws -> User? {
        try await run("SELECT \(Self.userColumns) FROM users WHERE username = $1", [.text(username)]).first.map(Self.user)
    }

    public func users(after username: String?, limit: Int) async throws -> [User] {
        try await run(
            "SELECT \(Self.userColumns) FROM users WHERE username > $1 ORDER BY username LIMIT $2",
            [.text(username ?? ""), .integer(Int64(limit))]
        ).map(Self.user)
    }

    public func updateUser(_ user: User) async throws {
        _ = try await run(
            """
            UPDATE users SET username = $1, password_hash = $2, status = $3, updated_at = $4, password_changed_at = $5, roles = $6,
                email = $7
            WHERE id = $8
            """,
            [
                .text(user.username), .text(user.passwordHash), .text(user.status.rawValue), .integer(user.updatedAt),
                .integer(user.passwordChangedAt), .text(Self.roles(user)), user.email.map(SQLValue.text) ?? .null, .text(user.id),
            ], conflict: "username")
    }

    /// Roles as stored: sorted, space-separated.
    private static func roles(_ user: User) -> String { user.roles.sorted().joined(separator: " ") }

    public func deleteUser(id: String) async throws {
        _ = try await run("DELETE FROM consents WHERE user_id = $1", [.text(id)])
        _ = try await run("DELETE FROM users WHERE id = $1", [.text(id)])
    }

    // MARK: Clients

    private static let clientColumns =
        "id, secret_hash, kind, grants, scopes, audiences, created_at, introspect, forwards_client_ip, redirect_uris, post_logout_redirect_uris, first_party"

    private static func client(_ row: any SQLRow) throws -> OAuthClient {
        guard let kind = OAuthClient.Kind(rawValue: try row.requiredText(2)) else { throw SQLError.unexpectedValue("clients.kind") }
        let grants = try list(row.requiredText(3)).map { name in
            guard let grant = GrantType(rawValue: name) else { throw SQLError.unexpectedValue("clients.grants") }
            return grant
        }
        return OAuthClient(
            id: try row.requiredText(0), secretHash: try row.text(1), kind: kind, grants: grants,
            scopes: list(try row.requiredText(4)), audiences: list(try row.requiredText(5)), mayIntrospect: try row.requiredInteger(7) != 0,
            forwardsClientIP: try row.requiredInteger(8) != 0, redirectURIs: list(try row.requiredText(9)),
            postLogoutRedirectURIs: list(try row.requiredText(10)), firstParty: try row.requiredInteger(11) != 0, createdAt: try row.requiredInteger(6))
    }

    private static func list(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    public func insertClient(_ client: OAuthClient) async throws {
        _ = try await run(
            "INSERT INTO clients (\(Self.clientColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            [
                .text(client.id), client.secretHash.map(SQLValue.text) ?? .null, .text(client.kind.rawValue),
                .text(client.grants.map(\.rawValue).joined(separator: " ")), .text(client.scopes.joined(separator: " ")),
                .text(client.audiences.joined(separator: " ")), .integer(client.createdAt), .integer(client.mayIntrospect ? 1 : 0),
                .integer(client.forwardsClientIP ? 1 : 0), .text(client.redirectURIs.joined(separator: " ")),
                .text(client.postLogoutRedirectURIs.joined(separator: " ")), .integer(client.firstParty ? 1 : 0),
            ], conflict: "client_id")
    }

    public func client(id: String, lock: RowLock) async throws -> OAuthClient? {
        let clause =
            switch (lock, db.dialect) {
            case (.none, _), (_, .sqlite): ""
            case (.shared, .postgres): " FOR SHARE"
            case (.exclusive, .postgres): " FOR UPDATE"
            }
        return try await run("SELECT \(Self.clientColumns) FROM clients WHERE id = $1\(clause)", [.text(id)]).first.map(Self.client)
    }

    public func clients() async throws -> [OAuthClient] {
        try await run("SELECT \(Self.clientColumns) FROM clients ORDER BY id").map(Self.client)
    }

    public func updateClient(_ client: OAuthClient) async throws {
        _ = try await run(
            """
            UPDATE clients SET grants = $1, scopes = $2, audiences = $3, introspect = $4, forwards_client_ip = $5, redirect_uris = $6,
                post_logout_redirect_uris = $7, first_party = $8
            WHERE id = $9
            """,
            [
                .text(client.grants.map(\.rawValue).joined(separator: " ")), .text(client.scopes.joined(separator: " ")),
                .text(client.audiences.joined(separator: " ")), .integer(client.mayIntrospect ? 1 : 0),
                .integer(client.forwardsClientIP ? 1 : 0), .text(client.redirectURIs.joined(separator: " ")),
                .text(client.postLogoutRedirectURIs.joined(separator: " ")), .integer(client.firstParty ? 1 : 0), .text(client.id),
            ])
    }

    public func deleteClient(id: String) async throws {
        _ = try await run("DELETE FROM consents WHERE client_id = $1", [.text(id)])
        _ = try await run("DELETE FROM clients WHERE id = $1", [.text(id)])
    }

    // MARK: Sessions

    static let sessionColumns =
        "id, user_id, client_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at, revoked_at, cookie_hash, scope, parent_id"

    static func session(_ row: any SQLRow) throws -> Session {
        Session(
            id: try row.requiredText(0), userID: try row.requiredText(1), clientID: try row.requiredText(2),
            createdAt: try row.requiredInteger(3), lastSeenAt: try row.requiredInteger(4), idleExpiresAt: try row.requiredInteger(5),
            absoluteExpiresAt: try row.requiredInteger(6), revokedAt: try row.integer(7), cookieHash: try row.text(8),
            scope: try row.requiredText(9), parentID: try row.text(10))
    }

    public func insertSession(_ session: Session) async throws {
        _ = try await run(
            "INSERT INTO sessions (\(Self.sessionColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            [
                .text(session.id), .text(session.userID), .text(session.clientID), .integer(session.createdAt), .integer(session.lastSeenAt),
                .integer(session.idleExpiresAt), .integer(session.absoluteExpiresAt), session.revokedAt.map(SQLValue.integer) ?? .null,
                session.cookieHash.map(SQLValue.text) ?? .null, .text(session.scope), session.parentID.map(SQLValue.text) ?? .null,
            ])
    }

    public func session(id: String, forUpdate: Bool) async throws -> Session? {
        try await run("SELECT \(Self.sessionColumns) FROM sessions WHERE id = $1\(forUpdate ? lock : "")", [.text(id)]).first.map(Self.session)
    }

    public func session(cookieHash: String, forUpdate: Bool) async throws -> Session? {
        try await run("SELECT \(Self.sessionColumns) FROM sessions WHERE cookie_hash = $1\(forUpdate ? lock : "")", [.text(cookieHash)]).first.map(Self.session)
    }

    public func sessions(userID: String) async throws -> [Session] {
        try await run("SELECT \(Self.sessionColumns) FROM sessions WHERE user_id = $1 ORDER BY created_at DESC, id", [.text(userID)]).map(Self.session)
    }

    public func sessions(clientID: String) async throws -> [Session] {
        try await run("SELECT \(Self.sessionColumns) FROM sessions WHERE client_id = $1 ORDER BY created_at DESC, id", [.text(clientID)]).map(Self.session)
    }

    public func sessions(parentID: String) async throws -> [Session] {
        try await run("SELECT \(Self.sessionColumns) FROM sessions WHERE parent_id = $1 ORDER BY created_at DESC, id", [.text(parentID)]).map(Self.session)
    }

    public func updateSession(_ session: Session) async throws {
        _ = try await run(
            "UPDATE sessions SET last_seen_at = $1, idle_expires_at = $2, revoked_at = $3 WHERE id = $4",
            [
                .integer(session.lastSeenAt), .integer(session.idleExpiresAt), session.revokedAt.map(SQLValue.integer) ?? .null, .text(session.id),
            ])
    }

    // MARK: The authorization code flow

    private static let pendingColumns = "hash, browser_hash, request, session_id, created_at, expires_at"

    public func insertPendingAuthorization(_ pending: PendingAuthorization) async throws {
        _ = try await run(
            "INSERT INTO authorization_requests (\(Self.pendingColumns)) VALUES ($1, $2, $3, $4, $5, $6)",
            [
                .text(pending.hash), .text(pending.browserHash), .text(pending.request), pending.sessionID.map(SQLValue.text) ?? .null,
                .integer(pending.createdAt), .integer(pending.expiresAt),
            ])
    }

    public func pendingAuthorization(hash: String, forUpdate: Bool) async throws -> PendingAuthorization? {
        try await run("SELECT \(Self.pendingColumns) FROM authorization_requests WHERE hash = $1\(forUpdate ? lock : "")", [.text(hash)]).first.map {
            PendingAuthorization(
                hash: try $0.requiredText(0), browserHash: try $0.requiredText(1), request: try $0.requiredText(2), sessionID: try $0.text(3),
                createdAt: try $0.requiredInteger(4), expiresAt: try $0.requiredInteger(5))
        }
    }

    public func updatePendingAuthorization(_ pending: PendingAuthorization) async throws {
        _ = try await run(
            "UPDATE authorization_requests SET session_id = $1, request = $2 WHERE hash = $3",
            [pending.sessionID.map(SQLValue.text) ?? .null, .text(pending.request), .text(pending.hash)])
    }

    public func deletePendingAuthorization(hash: String) async throws {
        _ = try await run("DELETE FROM authorization_requests WHERE hash = $1", [.text(hash)])
    }

    private static let codeColumns = """
        hash, client_id, user_id, browser_session_id, redirect_uri, scope, code_challenge, nonce, auth_time, created_at, expires_at, used_at,
        token_session_id
        """

    public func insertAuthorizationCode(_ code: AuthorizationCode) async throws {
        _ = try await run(
            "INSERT INTO authorization_codes (\(Self.codeColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            [
                .text(code.hash), .text(code.clientID), .text(code.userID), .text(code.browserSessionID), .text(code.redirectURI), .text(code.scope),
                .text(code.codeChallenge), code.nonce.map(SQLValue.text) ?? .null, .integer(code.authTime), .integer(code.createdAt),
                .integer(code.expiresAt), code.usedAt.map(SQLValue.integer) ?? .null, code.tokenSessionID.map(SQLValue.text) ?? .null,
            ])
    }

    public func authorizationCodeForExchange(hash: String) async throws -> AuthorizationCode? {
        try await run("SELECT \(Self.codeColumns) FROM authorization_codes WHERE hash = $1\(lock)", [.text(hash)]).first.map {
            AuthorizationCode(
                hash: try $0.requiredText(0), clientID: try $0.requiredText(1), userID: try $0.requiredText(2),
                browserSessionID: try $0.requiredText(3), redirectURI: try $0.requiredText(4), scope: try $0.requiredText(5),
                codeChallenge: try $0.requiredText(6), nonce: try $0.text(7), authTime: try $0.requiredInteger(8),
                createdAt: try $0.requiredInteger(9), expiresAt: try $0.requiredInteger(10), usedAt: try $0.integer(11),
                tokenSessionID: try $0.text(12))
        }
    }

    public func updateAuthorizationCode(_ code: AuthorizationCode) async throws {
        _ = try await run(
            "UPDATE authorization_codes SET used_at = $1, token_session_id = $2 WHERE hash = $3",
            [code.usedAt.map(SQLValue.integer) ?? .null, code.tokenSessionID.map(SQLValue.text) ?? .null, .text(code.hash)])
    }

    private static func consent(_ row: any SQLRow) throws -> Consent {
        Consent(
            userID: try row.requiredText(0), clientID: try row.requiredText(1), scopes: list(try row.requiredText(2)),
            grantedAt: try row.requiredInteger(3))
    }

    public func consent(userID: String, clientID: String) async throws -> Consent? {
        try await run(
            "SELECT user_id, client_id, scopes, granted_at FROM consents WHERE user_id = $1 AND client_id = $2", [.text(userID), .text(clientID)]
        ).first.map(Self.consent)
    }

    public func consents(userID: String) async throws -> [Consent] {
        try await run("SELECT user_id, client_id, scopes, granted_at FROM consents WHERE user_id = $1 ORDER BY client_id", [.text(userID)])
            .map(Self.consent)
    }

    public func saveConsent(_ consent: Consent) async throws {
        _ = try await run(
            """
            INSERT INTO consents (user_id, client_id, scopes, granted_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at
            """,
            [.text(consent.userID), .text(consent.clientID), .text(consent.scopes.joined(separator: " ")), .integer(consent.grantedAt)])
    }

    public func deleteConsent(userID: String, clientID: String) async throws {
        _ = try await run("DELETE FROM consents WHERE user_id = $1 AND client_id = $2", [.text(userID), .text(clientID)])
    }

    // MARK: Revoked session-less access tokens

    public func insertRevokedToken(jti: String, expiresAt: Int64, at: Int64) async throws {
        _ = try await run(
            "INSERT INTO revoked_tokens (jti, expires_at, revoked_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING",
            [.text(jti), .integer(expiresAt), .integer(at)])
    }

    // MARK: Refresh tokens

    static let refreshColumns = "hash, family_id, session_id, client_id, parent_hash, scope, issued_at, expires_at, spent_at, revoked_at"
    /// How many columns `refreshColumns` and `sessionColumns` name, for reading joined rows.
    static let refreshColumnCount = refreshColumns.split(separator: ",").count
    static let sessionColumnCount = sessionColumns.split(separator: ",").count

    static func refreshToken(_ row: any SQLRow) throws -> RefreshTokenRecord {
        RefreshTokenRecord(
            hash: try row.requiredText(0), familyID: try row.requiredText(1), sessionID: try row.requiredText(2),
            clientID: try row.requiredText(3), parentHash: try row.text(4), scope: try row.requiredText(5),
            issuedAt: try row.requiredInteger(6), expiresAt: try row.requiredInteger(7), spentAt: try row.integer(8),
            revokedAt: try row.integer(9))
    }

    public func insertRefreshToken(_ token: RefreshTokenRecord) async throws {
        _ = try await run(
            "INSERT INTO refresh_tokens (\(Self.refreshColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            [
                .text(token.hash), .text(token.familyID), .text(token.sessionID), .text(token.clientID),
                token.parentHash.map(SQLValue.text) ?? .null, .text(token.scope), .integer(token.issuedAt), .integer(token.expiresAt),
                token.spentAt.map(SQLValue.integer) ?? .null, token.revokedAt.map(SQLValue.integer) ?? .null,
            ])
    }

    public func refreshToken(hash: String, forUpdate: Bool) async throws -> RefreshTokenRecord? {
        try await run("SELECT \(Self.refreshColumns) FROM refresh_tokens WHERE hash = $1\(forUpdate ? lock : "")", [.text(hash)])
            .first.map(Self.refreshToken)
    }

    public func refreshTokenForRotation(hash: String) async throws -> (RefreshTokenRecord, Session, User?)? {
        let sql = """
            SELECT \(prefixed(Self.refreshColumns, "r")), \(prefixed(Self.sessionColumns, "s")), \(prefixed(Self.userColumns, "u"))
            FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id LEFT JOIN users u ON u.id = s.user_id
            WHERE r.hash = $1\(db.dialect == .postgres ? " FOR UPDATE OF r, s" : "")
            """
        guard let row = try await run(sql, [.text(hash)]).first else { return nil }
        let token = try Self.refreshToken(row)
        let sessionOffset = Self.refreshColumnCount
        let userOffset = sessionOffset + Self.sessionColumnCount
        let session = try Self.session(OffsetRow(row: row, offset: sessionOffset))
        let user = try row.text(userOffset) == nil ? nil : try Self.user(OffsetRow(row: row, offset: userOffset))
        return (token, session, user)
    }

    public func updateRefreshToken(_ token: RefreshTokenRecord) async throws {
        _ = try await run(
            "UPDATE refresh_tokens SET spent_at = $1, revoked_at = $2 WHERE hash = $3",
            [
                token.spentAt.map(SQLValue.integer) ?? .null, token.revokedAt.map(SQLValue.integer) ?? .null, .text(token.hash),
            ])
    }

    public func revokeRefreshFamily(_ familyID: String, at: Int64) async throws {
        _ = try await run("UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL", [.integer(at), .text(familyID)])
    }

    public func revokeRefreshTokens(sessionID: String, at: Int64) async throws {
        _ = try await run("UPDATE refresh_tokens SET revoked_at = $1 WHERE session_id = $2 AND revoked_at IS NULL", [.integer(at), .text(sessionID)])
    }

    // MARK: Login attempts

    public func lockLoginThrottle(username: String, source: String) async throws {
        // SQLite transactions are serialised whole (BEGIN IMMEDIATE).
        guard db.dialect == .postgres else { return }
        _ = try await run("SELECT pg_advisory_xact_lock(hashtextextended('tessera.login:' || $1, 0))", [.text(username)])
        _ = try await run("SELECT pg_advisory_xact_lock(hashtextextended('tessera.source:' || $1, 0))", [.text(source)])
    }

    public func reserveLoginAttempt(username: String, ip: String, at: Int64) async throws -> Int64 {
        let rows = try await run(
            "INSERT INTO login_attempts (username, ip, at, succeeded) VALUES ($1, $2, $3, 0) RETURNING id", [.text(username), .text(ip), .integer(at)])
        guard let id = try rows.first?.integer(0) else { throw SQLError.unexpectedValue("login_attempts.id") }
        return id
    }

    public func markLoginAttemptSucceeded(id: Int64) async throws {
        _ = try await run("UPDATE login_attempts SET succeeded = 1 WHERE id = $1", [.integer(id)])
    }

    public func releaseLoginAttempt(id: Int64) async throws {
        _ = try await run("DELETE FROM login_attempts WHERE id = $1", [.integer(id)])
    }

    public func countThrottledLogin(username: String, ip: String, at: Int64) async throws -> Int64 {
        let rows = try await run(
            """
            INSERT INTO throttled_logins (username, ip, count, last_at) VALUES ($1, $2, 1, $3)
            ON CONFLICT (username, ip) DO UPDATE SET count = throttled_logins.count + 1, last_at = excluded.last_at
            RETURNING count
            """, [.text(username), .text(ip), .integer(at)])
        guard let count = try rows.first?.integer(0) else { throw SQLError.unexpectedValue("throttled_logins.count") }
        return count
    }

    public func addKeyUse(kid: String, _ use: KeyUse) async throws {
        _ = try await run(
            """
            INSERT INTO key_usage (kid, verifications, last_used_at) VALUES ($1, $2, $3)
            ON CONFLICT (kid) DO UPDATE SET verifications = key_usage.verifications + excluded.verifications,
                last_used_at = CASE WHEN excluded.last_used_at > key_usage.last_used_at THEN excluded.last_used_at ELSE key_usage.last_used_at END
            """, [.text(kid), .integer(use.verifications), .integer(use.lastUsedAt)])
    }

    public func keyUses() async throws -> [String: KeyUse] {
        var uses: [String: KeyUse] = [:]
        for row in try await run("SELECT kid, verifications, last_used_at FROM key_usage", []) {
            uses[try row.requiredText(0)] = KeyUse(verifications: try row.requiredInteger(1), lastUsedAt: try row.requiredInteger(2))
        }
        return uses
    }

    public func rememberLoginSource(username: String, ip: String, at: Int64) async throws {
        _ = try await run(
            """
            INSERT INTO login_sources (username, ip, last_success_at) VALUES ($1, $2, $3)
            ON CONFLICT (username, ip) DO UPDATE SET last_success_at = excluded.last_success_at
            """, [.text(username), .text(ip), .integer(at)])
    }

    public func isKnownLoginSource(username: String, ip: String, since: Int64) async throws -> Bool {
        try await !run("SELECT 1 FROM login_sources WHERE username = $1 AND ip = $2 AND last_success_at >= $3", [.text(username), .text(ip), .integer(since)])
            .isEmpty
    }

    public func loginFailures(username: String?, ip: String?, since: Int64, afterLastSuccess: Bool) async throws -> LoginFailures {
        // NULL filters match everything; the same filter finds the last success.
        let filter = "(CAST($1 AS TEXT) IS NULL OR username = $1) AND (CAST($2 AS TEXT) IS NULL OR ip = $2)"
        let binds: [SQLValue] = [username.map(SQLValue.text) ?? .null, ip.map(SQLValue.text) ?? .null, .integer(since)]
        var from = "$3"
        if afterLastSuccess {
            from = "(SELECT CASE WHEN MAX(at) IS NULL OR MAX(at) < $3 THEN $3 ELSE MAX(at) + 1 END FROM login_attempts WHERE \(filter) AND succeeded = 1)"
        }
        let sql = "SELECT COUNT(*), MAX(at) FROM login_attempts WHERE \(filter) AND succeeded = 0 AND at >= \(from)"
        guard let row = try await run(sql, binds).first else { return LoginFailures(count: 0, latest: nil) }
        return LoginFailures(count: Int(try row.integer(0) ?? 0), latest: try row.integer(1))
    }

    public func pruneLoginAttempts(before: Int64, sourcesBefore: Int64) async throws {
        _ = try await run("DELETE FROM login_attempts WHERE at < $1", [.integer(before)])
        _ = try await run("DELETE FROM throttled_logins WHERE last_at < $1", [.integer(before)])
        _ = try await run("DELETE FROM login_sources WHERE last_success_at < $1", [.integer(sourcesBefore)])
    }

    // MARK: Retention

    public func pruneExpired(endedBefore: Int64, auditBefore: Int64, formsBefore: Int64) async throws -> PrunedRows {
        let cutoff = SQLValue.integer(endedBefore)
        // A session ends when revoked or at the earlier of its two expiries.
        let endedSessions = """
            SELECT id FROM sessions WHERE COALESCE(revoked_at, CASE WHEN idle_expires_at < absolute_expires_at
                THEN idle_expires_at ELSE absolute_expires_at END) < $1
            """
        let tokens = try await run(
            """
            DELETE FROM refresh_tokens WHERE session_id IN (\(endedSessions))
            RETURNING hash
            """, [cutoff]
        ).count
        let sessions = try await run("DELETE FROM sessions WHERE id IN (\(endedSessions)) RETURNING id", [cutoff]).count
        let audit = try await run("DELETE FROM audit_events WHERE at < $1 RETURNING id", [.integer(auditBefore)]).count
        _ = try await run("DELETE FROM revoked_tokens WHERE expires_at < $1", [cutoff])
        _ = try await run("DELETE FROM authorization_codes WHERE expires_at < $1", [cutoff])
        _ = try await run("DELETE FROM authorization_requests WHERE expires_at < $1", [.integer(formsBefore)])
        return PrunedRows(refreshTokens: tokens, sessions: sessions, auditEvents: audit)
    }

    // MARK: Audit

    public func insertAuditEvent(_ event: AuditEvent) async throws {
        _ = try await run(
            "INSERT INTO audit_events (at, kind, user_id, client_id, ip, detail) VALUES ($1, $2, $3, $4, $5, $6)",
            [
                .integer(event.at), .text(event.kind.rawValue), event.userID.map(SQLValue.text) ?? .null,
                event.clientID.map(SQLValue.text) ?? .null, event.ip.map(SQLValue.text) ?? .null, .text(event.detail),
            ])
    }

    public func auditEvents(limit: Int) async throws -> [AuditEvent] {
        try await run("SELECT at, kind, user_id, client_id, ip, detail FROM audit_events ORDER BY id DESC LIMIT $1", [.integer(Int64(limit))])
            .map { row in
                guard let kind = AuditEvent.Kind(rawValue: try row.requiredText(1)) else { throw SQLError.unexpectedValue("audit_events.kind") }
                return AuditEvent(
                    at: try row.requiredInteger(0), kind: kind, userID: try row.text(2), clientID: try row.text(3),
                    ip: try row.text(4), detail: try row.requiredText(5))
            }
    }

    public func schemaVersions() async throws -> [Int] {
        try await run("SELECT version FROM schema_migrations ORDER BY version", []).map { Int(try $0.requiredInteger(0)) }
    }
}

/// Queries the stores run outside transactions.
public enum SQLQueries {
    /// Session-less access tokens revoked since `since` that expire after `expiringAfter`.
    public static func tokensRevoked(_ db: any SQLExecutor, since: Int64, expiringAfter: Int64) async throws -> [RevokedToken] {
        try await db.query(
            "SELECT jti, expires_at FROM revoked_tokens WHERE revoked_at >= $1 AND expires_at > $2", [.integer(since), .integer(expiringAfter)]
        )
        .map { RevokedToken(jti: try $0.requiredText(0), expiresAt: try $0.requiredInteger(1)) }
    }

    /// Sessions revoked since `since` that expire after `expiringAfter`.
    public static func sessionsRevoked(_ db: any SQLExecutor, since: Int64, expiringAfter: Int64) async throws -> [RevokedSession] {
        try await db.query(
            "SELECT id, absolute_expires_at FROM sessions WHERE revoked_at >= $1 AND absolute_expires_at > $2",
            [.integer(since), .integer(expiringAfter)]
        )
        .map { RevokedSession(id: try $0.requiredText(0), absoluteExpiresAt: try $0.requiredInteger(1)) }
    }
}

/// `columns` (a comma-separated list) each qualified with `table`.
func prefixed(_ columns: String, _ table: String) -> String {
    columns.split(separator: ",").map { "\(table).\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")
}

/// A row read from column `offset` on, so one joined row can feed several mappers.
struct OffsetRow: SQLRow {
    let row: any SQLRow
    let offset: Int

    func text(_ column: Int) throws -> String? { try row.text(column + offset) }
    func integer(_ column: Int) throws -> Int64? { try row.integer(column + offset) }
}
