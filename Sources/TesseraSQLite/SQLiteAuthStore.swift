import Foundation
import SQLiteNIO
import TesseraAuth
import TesseraJWT
import TesseraSQL

/// The embedded store: one SQLite file (mode 0600, its folder 0700 when created here; a database
/// readable by others is made owner-only at open) in WAL mode with full fsync, foreign keys on and a busy
/// timeout so the CLI and a running server can share it. Transactions are `BEGIN IMMEDIATE` and
/// run one at a time on the connection, so a read-modify-write inside one is never interleaved.
/// Reads run on a second connection with `BEGIN DEFERRED`: in WAL mode they see a snapshot and
/// neither wait for the writer nor take its lock.
public final class SQLiteAuthStore: AuthStore {
    private let connection: SQLiteConnection
    private let mutex = AsyncMutex()
    private let reader: SQLiteConnection
    private let readerMutex = AsyncMutex()
    private let clock: JWTClock

    /// Opens (creating if needed) the database at `path`.
    public static func open(path: String, clock: JWTClock = .system) async throws -> SQLiteAuthStore {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        // The database holds password hashes: owner-only, and SQLite gives its -wal and -shm
        // files the database file's mode.
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw AuthError.storeUnavailable("cannot create SQLite database \(path)")
            }
        }
        for file in [path, path + "-wal", path + "-shm"] {
            guard let mode = (try? FileManager.default.attributesOfItem(atPath: file))?[.posixPermissions] as? Int, mode & 0o077 != 0 else { continue }
            try FileManager.default.setAttributes([.posixPermissions: mode & 0o700], ofItemAtPath: file)
        }
        let connection: SQLiteConnection
        let reader: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path))
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 10000"] {
                _ = try await connection.query(pragma, [])
            }
            try await SQLRefreshRotation.prepare(SQLiteExecutor(connection: connection))
            reader = try await SQLiteConnection.open(storage: .file(path: path))
            _ = try await reader.query("PRAGMA busy_timeout = 10000", [])
        } catch {
            throw AuthError.storeUnavailable("cannot open SQLite database \(path): \(error)")
        }
        return SQLiteAuthStore(connection: connection, reader: reader, clock: clock)
    }

    private init(connection: SQLiteConnection, reader: SQLiteConnection, clock: JWTClock) {
        self.connection = connection
        self.reader = reader
        self.clock = clock
    }

    public func migrate() async throws {
        try await Migrations.apply(dialect: .sqlite, now: Int64(clock.now)) { body in
            try await self.inTransaction { try await body($0) }
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any AuthTransaction) async throws -> T) async throws -> T {
        try await inTransaction { try await body(SQLAuthTransaction($0)) }
    }

    private func inTransaction<T: Sendable>(_ body: (any SQLExecutor) async throws -> T) async throws -> T {
        try await run(on: connection, mutex, begin: "BEGIN IMMEDIATE", body)
    }

    private func inReadTransaction<T: Sendable>(_ body: (any SQLExecutor) async throws -> T) async throws -> T {
        try await run(on: reader, readerMutex, begin: "BEGIN DEFERRED", body)
    }

    /// `body` between `begin` and COMMIT on `connection`, one at a time; ROLLBACK if it throws.
    private func run<T: Sendable>(
        on connection: SQLiteConnection, _ mutex: AsyncMutex, begin: String, _ body: (any SQLExecutor) async throws -> T
    ) async throws -> T {
        let executor = SQLiteExecutor(connection: connection)
        return try await mutex.withLock {
            _ = try await executor.query(begin, [])
            do {
                let result = try await body(executor)
                _ = try await executor.query("COMMIT", [])
                return result
            } catch {
                _ = try? await executor.query("ROLLBACK", [])
                throw error
            }
        }
    }

    public func read<T: Sendable>(_ body: @Sendable (any AuthTransaction) async throws -> T) async throws -> T {
        try await inReadTransaction { try await body(SQLAuthTransaction($0)) }
    }

    /// The rotation statement and the read of what it wrote, in one transaction: nothing (the
    /// CLI on the same file, an I/O error) can come between a token spent and its successor
    /// returned.
    public func rotateRefreshToken(_ step: RefreshRotationStep) async throws -> RotatedRefreshToken? {
        try await inTransaction { try await SQLRefreshRotation.apply(step, on: $0) }
    }

    public func sessionsRevoked(since: Int64, expiringAfter: Int64) async throws -> [RevokedSession] {
        try await inReadTransaction { try await SQLQueries.sessionsRevoked($0, since: since, expiringAfter: expiringAfter) }
    }

    public func tokensRevoked(since: Int64, expiringAfter: Int64) async throws -> [RevokedToken] {
        try await inReadTransaction { try await SQLQueries.tokensRevoked($0, since: since, expiringAfter: expiringAfter) }
    }

    public func ping() async throws {
        _ = try await readerMutex.withLock { try await reader.query("SELECT 1", []) }
    }

    /// The durability settings this store's own connection runs with (`journal_mode`, and
    /// `synchronous` as SQLite's number: 2 is FULL), for operators and the crash-safety test.
    public func durability() async throws -> (journalMode: String, synchronous: Int) {
        try await mutex.withLock {
            let mode = try await connection.query("PRAGMA journal_mode", []).first?.columns.first?.data.string
            let synchronous = try await connection.query("PRAGMA synchronous", []).first?.columns.first?.data.integer
            guard let mode, let synchronous else { throw AuthError.storeUnavailable("SQLite did not report its pragmas") }
            return (mode, synchronous)
        }
    }

    public func close() async throws {
        try await reader.close()
        try await connection.close()
    }

}

/// Statements on the store's connection.
struct SQLiteExecutor: SQLExecutor {
    let connection: SQLiteConnection
    var dialect: SQLDialect { .sqlite }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [any SQLRow] {
        let data: [SQLiteData] = binds.map {
            switch $0 {
            case let .text(text): .text(text)
            case let .integer(value): .integer(SQLiteInt64(value))
            case .null: .null
            }
        }
        do {
            return try await connection.query(sql, data).map(SQLiteResultRow.init)
        } catch let error as SQLiteError where error.reason == .constraintUniqueFailed || error.reason == .constraintPrimaryKeyFailed {
            throw SQLError.uniqueViolation(error.message)
        } catch let error as SQLiteError {
            throw AuthError.storeUnavailable("SQLite: \(error.message)")
        }
    }
}

struct SQLiteResultRow: SQLRow {
    let row: SQLiteRow

    func text(_ column: Int) throws -> String? {
        let data = row.columns[column].data
        if case .null = data { return nil }
        guard let text = data.string else { throw SQLError.unexpectedValue("column \(column) is not text") }
        return text
    }

    func integer(_ column: Int) throws -> Int64? {
        let data = row.columns[column].data
        if case .null = data { return nil }
        guard let value = data.integer else { throw SQLError.unexpectedValue("column \(column) is not an integer") }
        return Int64(value)
    }
}
