import Foundation

/// The numbered schema migrations, applied in order, each in its own transaction and recorded
/// in `schema_migrations`. Never edit a released migration: add a new one.
public enum Migrations {
    /// Statements of each migration for `dialect`; `{now}` stands for the time it is applied.
    public static func all(for dialect: SQLDialect) -> [(version: Int, statements: [String])] {
        let serial = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        return [
            (
                1,
                [
                    """
                    CREATE TABLE users (
                        id TEXT PRIMARY KEY,
                        username TEXT NOT NULL UNIQUE,
                        password_hash TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
                        created_at BIGINT NOT NULL,
                        updated_at BIGINT NOT NULL,
                        password_changed_at BIGINT NOT NULL)
                    """,
                    """
                    CREATE TABLE clients (
                        id TEXT PRIMARY KEY,
                        secret_hash TEXT,
                        kind TEXT NOT NULL CHECK (kind IN ('public', 'confidential')),
                        grants TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        audiences TEXT NOT NULL,
                        created_at BIGINT NOT NULL)
                    """,
                    """
                    CREATE TABLE sessions (
                        id TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL,
                        client_id TEXT NOT NULL,
                        created_at BIGINT NOT NULL,
                        last_seen_at BIGINT NOT NULL,
                        idle_expires_at BIGINT NOT NULL,
                        absolute_expires_at BIGINT NOT NULL,
                        revoked_at BIGINT)
                    """,
                    "CREATE INDEX sessions_by_user ON sessions (user_id, created_at)",
                    "CREATE INDEX sessions_by_revocation ON sessions (revoked_at)",
                    """
                    CREATE TABLE refresh_tokens (
                        hash TEXT PRIMARY KEY,
                        family_id TEXT NOT NULL,
                        session_id TEXT NOT NULL REFERENCES sessions (id),
                        client_id TEXT NOT NULL,
                        parent_hash TEXT,
                        scope TEXT NOT NULL,
                        issued_at BIGINT NOT NULL,
                        expires_at BIGINT NOT NULL,
                        spent_at BIGINT,
                        revoked_at BIGINT)
                    """,
                    "CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id)",
                    "CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id)",
                    """
                    CREATE TABLE login_attempts (
                        id \(serial),
                        username TEXT NOT NULL,
                        ip TEXT NOT NULL,
                        at BIGINT NOT NULL,
                        succeeded BIGINT NOT NULL)
                    """,
                    "CREATE INDEX login_attempts_by_username ON login_attempts (username, at)",
                    "CREATE INDEX login_attempts_by_ip ON login_attempts (ip, at)",
                    """
                    CREATE TABLE audit_events (
                        id \(serial),
                        at BIGINT NOT NULL,
                        kind TEXT NOT NULL,
                        user_id TEXT,
                        client_id TEXT,
                        ip TEXT,
                        detail TEXT NOT NULL)
                    """,
                ]
            ),
            (
                2,
                [
                    "ALTER TABLE sessions ADD COLUMN cookie_hash TEXT",
                    "CREATE UNIQUE INDEX sessions_by_cookie ON sessions (cookie_hash)",
                ]
            ),
            (
                3,
                [
                    "ALTER TABLE users ADD COLUMN roles TEXT NOT NULL DEFAULT ''",
                    "ALTER TABLE clients ADD COLUMN introspect BIGINT NOT NULL DEFAULT 0",
                    "ALTER TABLE sessions ADD COLUMN scope TEXT NOT NULL DEFAULT ''",
                    // A session's grant is its first refresh token's scope (later ones could only narrow).
                    """
                    UPDATE sessions SET scope = COALESCE(
                        (SELECT r.scope FROM refresh_tokens r WHERE r.session_id = sessions.id ORDER BY r.issued_at, r.hash LIMIT 1), '')
                    """,
                    "CREATE INDEX sessions_by_client ON sessions (client_id)",
                    // Sessions granted a tessera: scope before roles existed got it without any
                    // role check: end them (and their refresh tokens) rather than trust them.
                    """
                    UPDATE refresh_tokens SET revoked_at = {now} WHERE revoked_at IS NULL AND session_id IN
                        (SELECT id FROM sessions WHERE revoked_at IS NULL AND (' ' || scope) LIKE '% tessera:%')
                    """,
                    "UPDATE sessions SET revoked_at = {now} WHERE revoked_at IS NULL AND (' ' || scope) LIKE '% tessera:%'",
                ]
            ),
            (4, ["ALTER TABLE clients ADD COLUMN forwards_client_ip BIGINT NOT NULL DEFAULT 0"]),
            (
                5,
                [
                    """
                    CREATE TABLE login_sources (
                        username TEXT NOT NULL,
                        ip TEXT NOT NULL,
                        last_success_at BIGINT NOT NULL,
                        PRIMARY KEY (username, ip))
                    """,
                    """
                    CREATE TABLE throttled_logins (
                        username TEXT NOT NULL,
                        ip TEXT NOT NULL,
                        count BIGINT NOT NULL,
                        last_at BIGINT NOT NULL,
                        PRIMARY KEY (username, ip))
                    """,
                ]
            ),
            (
                6,
                [
                    "CREATE TABLE revoked_tokens (jti TEXT PRIMARY KEY, expires_at BIGINT NOT NULL, revoked_at BIGINT NOT NULL)",
                    "CREATE INDEX revoked_tokens_by_revocation ON revoked_tokens (revoked_at)",
                ]
            ),
            (
                7,
                ["CREATE TABLE key_usage (kid TEXT PRIMARY KEY, verifications BIGINT NOT NULL, last_used_at BIGINT NOT NULL)"]
            ),
            (
                8,
                [
                    "ALTER TABLE clients ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT ''",
                    "ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT ''",
                    "ALTER TABLE clients ADD COLUMN first_party BIGINT NOT NULL DEFAULT 0",
                    "ALTER TABLE sessions ADD COLUMN parent_id TEXT",
                    "CREATE INDEX sessions_by_parent ON sessions (parent_id)",
                    """
                    CREATE TABLE authorization_requests (
                        hash TEXT PRIMARY KEY,
                        browser_hash TEXT NOT NULL,
                        request TEXT NOT NULL,
                        session_id TEXT,
                        created_at BIGINT NOT NULL,
                        expires_at BIGINT NOT NULL)
                    """,
                    """
                    CREATE TABLE authorization_codes (
                        hash TEXT PRIMARY KEY,
                        client_id TEXT NOT NULL,
                        user_id TEXT NOT NULL,
                        browser_session_id TEXT NOT NULL,
                        redirect_uri TEXT NOT NULL,
                        scope TEXT NOT NULL,
                        code_challenge TEXT NOT NULL,
                        nonce TEXT,
                        auth_time BIGINT NOT NULL,
                        created_at BIGINT NOT NULL,
                        expires_at BIGINT NOT NULL,
                        used_at BIGINT,
                        token_session_id TEXT)
                    """,
                    """
                    CREATE TABLE consents (
                        user_id TEXT NOT NULL,
                        client_id TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        granted_at BIGINT NOT NULL,
                        PRIMARY KEY (user_id, client_id))
                    """,
                ]
            ),
            (9, ["ALTER TABLE users ADD COLUMN email TEXT"]),
        ]
    }

    /// Applies every migration newer than the database's, each in one transaction. `transaction`
    /// runs its body atomically on the store's connection.
    public static func apply(
        dialect: SQLDialect, now: Int64,
        transaction: (@Sendable (any SQLExecutor) async throws -> Void) async throws -> Void
    ) async throws {
        try await transaction { db in
            _ = try await db.query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)", [])
        }
        for migration in all(for: dialect) {
            try await transaction { db in
                if dialect == .postgres {
                    // Two instances starting together must not both migrate.
                    _ = try await db.query("SELECT pg_advisory_xact_lock(7265735365726121)", [])
                }
                let applied = try await db.query("SELECT version FROM schema_migrations WHERE version = $1", [.integer(Int64(migration.version))])
                guard applied.isEmpty else { return }
                for statement in migration.statements { _ = try await db.query(statement.replacingOccurrences(of: "{now}", with: String(now)), []) }
                _ = try await db.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    [.integer(Int64(migration.version)), .integer(now)])
            }
        }
    }
}
