import TesseraAuth

/// `AuthStore.rotateRefreshToken` in SQL: the admission test of `RefreshRotationStep.admits`
/// and its three writes (spend the token, touch the session, insert the successor) as one
/// statement, so that a refresh costs one round trip and one commit.
///
/// - PostgreSQL: one data-modifying CTE. `live` locks the token and session rows as the
///   locking rotation does (`FOR UPDATE OF r, s`); a concurrent rotation of the same token waits
///   for the lock, finds the token spent and writes nothing.
/// - SQLite: an `INSERT` into a temporary view whose `INSTEAD OF` trigger runs the same test as
///   its `WHEN` clause and the writes as its body: one statement on the connection's thread
///   instead of one per read and write. The rows written are then read back in the same
///   transaction.
public enum SQLRefreshRotation {
    /// Creates the SQLite view and trigger on `db`'s connection (temporary objects live as long as
    /// the connection and never touch the schema).
    public static func prepare(_ db: any SQLExecutor) async throws {
        precondition(db.dialect == .sqlite, "only SQLite needs the rotation trigger")
        _ = try await db.query(
            """
            CREATE TEMP VIEW IF NOT EXISTS refresh_rotation (hash, client_id, now, successor_hash, successor_lifetime, session_idle_timeout, active)
            AS SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE 0
            """, [])
        _ = try await db.query(
            """
            CREATE TEMP TRIGGER IF NOT EXISTS refresh_rotation_apply INSTEAD OF INSERT ON refresh_rotation
            WHEN EXISTS (SELECT 1 \(from(token: "NEW.hash", client: "NEW.client_id", now: "NEW.now", active: "NEW.active"))) BEGIN
                UPDATE refresh_tokens SET spent_at = NEW.now WHERE hash = NEW.hash;
                UPDATE sessions SET last_seen_at = NEW.now, idle_expires_at = min(NEW.now + NEW.session_idle_timeout, absolute_expires_at)
                    WHERE id = (SELECT session_id FROM refresh_tokens WHERE hash = NEW.hash);
                INSERT INTO refresh_tokens (\(SQLAuthTransaction.refreshColumns))
                    SELECT NEW.successor_hash, r.family_id, r.session_id, r.client_id, r.hash, r.scope, NEW.now,
                        min(NEW.now + NEW.successor_lifetime, s.absolute_expires_at), NULL, NULL
                    FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.hash = NEW.hash;
            END
            """, [])
    }

    /// SQLite: applies `step` on `db`, inside the caller's transaction; nil when it does not apply.
    public static func apply(_ step: RefreshRotationStep, on db: any SQLExecutor) async throws -> RotatedRefreshToken? {
        precondition(db.dialect == .sqlite, "PostgreSQL runs postgresStatement as a prepared statement")
        _ = try await db.query("INSERT INTO temp.refresh_rotation VALUES ($1, $2, $3, $4, $5, $6, $7)", binds(step))
        return try rotated(try await db.query(sqliteReadBack, [.text(step.successorHash), .text(step.hash)]))
    }

    /// SQLite: the rows the trigger wrote, found by the successor's and the spent token's hashes.
    private static let sqliteReadBack = """
        SELECT \(columns("p", "r", "s", "u"))
        FROM refresh_tokens r JOIN refresh_tokens p ON p.hash = r.parent_hash
            JOIN sessions s ON s.id = r.session_id JOIN users u ON u.id = s.user_id
        WHERE r.hash = $1 AND p.hash = $2
        """

    /// The values of `$1…$7` in both dialects' statements.
    public static func binds(_ step: RefreshRotationStep) -> [SQLValue] {
        [
            .text(step.hash), .text(step.clientID), .integer(step.now), .text(step.successorHash), .integer(step.successorLifetime),
            .integer(step.sessionIdleTimeout), .text(User.Status.active.rawValue),
        ]
    }

    /// What the statement's rows say: nil when it wrote nothing.
    public static func rotated(_ rows: [any SQLRow]) throws -> RotatedRefreshToken? { try rows.first.map(decode) }

    /// The rows of a live token: the token `r`, its session `s` and the session's user `u`.
    private static func from(token: String, client: String, now: String, active: String) -> String {
        """
        FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id JOIN users u ON u.id = s.user_id
        WHERE r.hash = \(token) AND r.client_id = \(client) AND r.spent_at IS NULL AND r.revoked_at IS NULL AND \(now) < r.expires_at
            AND s.cookie_hash IS NULL AND s.revoked_at IS NULL AND \(now) < s.idle_expires_at AND \(now) < s.absolute_expires_at
            AND u.status = \(active)
        """
    }

    /// PostgreSQL: the rotation as one statement, taking `binds(step)`; outside any transaction
    /// block it is its own. The store runs it as a prepared statement, so it is planned once per
    /// connection rather than on every refresh.
    public static let postgresStatement = """
        WITH live AS (
            SELECT r.hash, s.id AS session_id \(from(token: "$1", client: "$2", now: "$3", active: "$7"))
            FOR UPDATE OF r, s
        ), spent AS (
            UPDATE refresh_tokens r SET spent_at = $3 FROM live WHERE r.hash = live.hash
            RETURNING \(prefixed(SQLAuthTransaction.refreshColumns, "r"))
        ), touched AS (
            UPDATE sessions s SET last_seen_at = $3, idle_expires_at = LEAST($3 + $6, s.absolute_expires_at) FROM live WHERE s.id = live.session_id
            RETURNING \(prefixed(SQLAuthTransaction.sessionColumns, "s"))
        ), successor AS (
            INSERT INTO refresh_tokens (\(SQLAuthTransaction.refreshColumns))
            SELECT $4, spent.family_id, spent.session_id, spent.client_id, spent.hash, spent.scope, $3,
                LEAST($3 + $5, touched.absolute_expires_at), NULL::BIGINT, NULL::BIGINT
            FROM spent JOIN touched ON touched.id = spent.session_id
            RETURNING \(SQLAuthTransaction.refreshColumns)
        )
        SELECT \(columns("spent", "successor", "touched", "u"))
        FROM spent JOIN successor ON successor.parent_hash = spent.hash JOIN touched ON touched.id = spent.session_id JOIN users u ON u.id = touched.user_id
        """

    /// The selected columns: spent token, successor, session, user, in that order.
    private static func columns(_ spent: String, _ successor: String, _ session: String, _ user: String) -> String {
        [
            prefixed(SQLAuthTransaction.refreshColumns, spent), prefixed(SQLAuthTransaction.refreshColumns, successor),
            prefixed(SQLAuthTransaction.sessionColumns, session), prefixed(SQLAuthTransaction.userColumns, user),
        ].joined(separator: ", ")
    }

    private static func decode(_ row: any SQLRow) throws -> RotatedRefreshToken {
        let refreshWidth = SQLAuthTransaction.refreshColumnCount
        return RotatedRefreshToken(
            spent: try SQLAuthTransaction.refreshToken(row),
            successor: try SQLAuthTransaction.refreshToken(OffsetRow(row: row, offset: refreshWidth)),
            session: try SQLAuthTransaction.session(OffsetRow(row: row, offset: 2 * refreshWidth)),
            user: try SQLAuthTransaction.user(OffsetRow(row: row, offset: 2 * refreshWidth + SQLAuthTransaction.sessionColumnCount)))
    }
}
