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

    private static let userColumns = "id, username, password_hash, status, created_at, updated_at, password_changed_at, roles"

    private static func user(_ row: any SQLRow) throws -> User {
        guard let status = User.Status(rawValue: try row.requiredText(3)) else { throw SQLError.unexpectedValue("users.status") }
        return User(
            id: try row.requiredText(0), username: try row.requiredText(1), passwordHash: try row.requiredText(2), status: status,
            createdAt: try row.requiredInteger(4), updatedAt: try row.requiredInteger(5), passwordChangedAt: try row.requiredInteger(6),
            roles: Set(list(try row.requiredText(7))))
    }

    public func insertUser(_ user: User) async throws {
        _ = try await run(
            "INSERT INTO users (\(Self.userColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                .text(user.id), .text(user.username), .text(user.passwordHash), .text(user.status.rawValue),
                .integer(user.createdAt), .integer(user.updatedAt), .integer(user.passwordChangedAt), .text(Self.roles(user)),
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
            UPDATE users SET username = $1, password_hash = $2, status = $3, updated_at = $4, password_changed_at = $5, roles = $6
            WHERE id = $7
            """,
            [
                .text(user.username), .text(user.passwordHash), .text(user.status.rawValue), .integer(user.updatedAt),
                .integer(user.passwordChangedAt), .text(Self.roles(user)), .text(user.id),
            ], conflict: "username")
    }

    /// Roles as stored: sorted, space-separated.
    private static func roles(_ user: User) -> String { user.roles.sorted().joined(separator: " ") }

    public func deleteUser(id: String) async throws {
        _ = try await run("DELETE FROM users WHERE id = $1", [.text(id)])
    }

    // MARK: Clients

    private static let clientColumns = "id, secret_hash, kind, grants, scopes, audiences, created_at, introspect, forwards_client_ip"

    private static func client(_ row: any SQLRow) throws -> OAuthClient {
        guard let kind = OAuthClient.Kind(rawValue: try row.requiredText(2)) else { throw SQLError.unexpectedValue("clients.kind") }
        let grants = try list(row.requiredText(3)).map { name in
            guard let grant = GrantType(rawValue: name) else { throw SQLError.unexpectedValue("clients.grants") }
            return grant
        }
        return OAuthClient(
            id: try row.requiredText(0), secretHash: try row.text(1), kind: kind, grants: grants,
            scopes: list(try row.requiredText(4)), audiences: list(try row.requiredText(5)), mayIntrospect: try row.requiredInteger(7) != 0,
            forwardsClientIP: try row.requiredInteger(8) != 0, createdAt: try row.requiredInteger(6))
    }

    private static func list(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    public func insertClient(_ client: OAuthClient) async throws {
        _ = try await run(
            "INSERT INTO clients (\(Self.clientColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            [
                .text(client.id), client.secretHash.map(SQLValue.text) ?? .null, .text(client.kind.rawValue),
                .text(client.grants.map(\.rawValue).joined(separator: " ")), .text(client.scopes.joined(separator: " ")),
                .text(client.audiences.joined(separator: " ")), .integer(client.createdAt), .integer(client.mayIntrospect ? 1 : 0),
                .integer(client.forwardsClientIP ? 1 : 0),
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
            "UPDATE clients SET grants = $1, scopes = $2, audiences = $3, introspect = $4, forwards_client_ip = $5 WHERE id = $6",
            [
                .text(client.grants.map(\.rawValue).joined(separator: " ")), .text(client.scopes.joined(separator: " ")),
                .text(client.audiences.joined(separator: " ")), .integer(client.mayIntrospect ? 1 : 0),
                .integer(client.forwardsClientIP ? 1 : 0), .text(client.id),
            ])
    }

    public func deleteClient(id: String) async throws {
        _ = try await run("DELETE FROM clients WHERE id = $1", [.text(id)])
    }

    // MARK: Sessions

    private static let sessionColumns =
        "id, user_id, client_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at, revoked_at, cookie_hash, scope"

    private static func session(_ row: any SQLRow) throws -> Session {
        Session(
            id: try row.requiredText(0), userID: try row.requiredText(1), clientID: try row.requiredText(2),
            createdAt: try row.requiredInteger(3), lastSeenAt: try row.requiredInteger(4), idleExpiresAt: try row.requiredInteger(5),
            absoluteExpiresAt: try row.requiredInteger(6), revokedAt: try row.integer(7), cookieHash: try row.text(8),
            scope: try row.requiredText(9))
    }

    public func insertSession(_ session: Session) async throws {
        _ = try await run(
            "INSERT INTO sessions (\(Self.sessionColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            [
                .text(session.id), .text(session.userID), .text(session.clientID), .integer(session.createdAt), .integer(session.lastSeenAt),
                .integer(session.idleExpiresAt), .integer(session.absoluteExpiresAt), session.revokedAt.map(SQLValue.integer) ?? .null,
                session.cookieHash.map(SQLValue.text) ?? .null, .text(session.scope),
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

    public func updateSession(_ session: Session) async throws {
        _ = try await run(
            "UPDATE sessions SET last_seen_at = $1, idle_expires_at = $2, revoked_at = $3 WHERE id = $4",
            [
                .integer(session.lastSeenAt), .integer(session.idleExpiresAt), session.revokedAt.map(SQLValue.integer) ?? .null, .text(session.id),
            ])
    }

    // MARK: Revoked session-less access tokens

    public func insertRevokedToken(jti: String, expiresAt: Int64, at: Int64) async throws {
        _ = try await run(
            "INSERT INTO revoked_tokens (jti, expires_at, revoked_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING",
            [.text(jti), .integer(expiresAt), .integer(at)])
    }

    // MARK: Refresh tokens

    private static let refreshColumns = "hash, family_id, session_id, client_id, parent_hash, scope, issued_at, expires_at, spent_at, revoked_at"

    private static func refreshToken(_ row: any SQLRow) throws -> RefreshTokenRecord {
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
        func prefixed(_ columns: String, _ table: String) -> String {
            columns.split(separator: ",").map { "\(table).\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")
        }
        let sql = """
            SELECT \(prefixed(Self.refreshColumns, "r")), \(prefixed(Self.sessionColumns, "s")), \(prefixed(Self.userColumns, "u"))
            FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id LEFT JOIN users u ON u.id = s.user_id
            WHERE r.hash = $1\(db.dialect == .postgres ? " FOR UPDATE OF r, s" : "")
            """
        guard let row = try await run(sql, [.text(hash)]).first else { return nil }
        let token = try Self.refreshToken(row)
        let sessionOffset = Self.refreshColumns.split(separator: ",").count
        let userOffset = sessionOffset + Self.sessionColumns.split(separator: ",").count
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

    public func pruneExpired(endedBefore: Int64, auditBefore: Int64) async throws -> PrunedRows {
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

/// A row read from column `offset` on, so one joined row can feed several mappers.
private struct OffsetRow: SQLRow {
    let row: any SQLRow
    let offset: Int

    func text(_ column: Int) throws -> String? { try row.text(column + offset) }
    func integer(_ column: Int) throws -> Int64? { try row.integer(column + offset) }
}
