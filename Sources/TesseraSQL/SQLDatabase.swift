/// A value bound to or read from SQL. Tessera stores only text and 64-bit integers (booleans as
/// 0/1, times as seconds since 1970), so both databases hold the same data the same way.
public enum SQLValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case null
}

/// The SQL dialects Tessera speaks. Statements are written once, with `$1…$n` placeholders in
/// order, which both SQLite and PostgreSQL accept.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres
}

/// One result row, read by column position.
public protocol SQLRow: Sendable {
    func text(_ column: Int) throws -> String?
    func integer(_ column: Int) throws -> Int64?
}

/// Something that runs statements: a connection inside a transaction.
public protocol SQLExecutor: Sendable {
    var dialect: SQLDialect { get }
    /// Runs one statement. A unique-constraint violation must be thrown as `SQLError.uniqueViolation`.
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [any SQLRow]
}

/// Failures the SQL layer recognises across drivers.
public enum SQLError: Error, Sendable {
    /// A UNIQUE or PRIMARY KEY constraint was violated.
    case uniqueViolation(String)
    /// A column held something other than what the schema says.
    case unexpectedValue(String)
    /// The database gave up on the transaction to break a deadlock or a serialization
    /// conflict; running it again may succeed.
    case retryable(String)
}

extension SQLRow {
    func requiredText(_ column: Int) throws -> String {
        guard let value = try text(column) else { throw SQLError.unexpectedValue("column \(column) is NULL") }
        return value
    }

    func requiredInteger(_ column: Int) throws -> Int64 {
        guard let value = try integer(column) else { throw SQLError.unexpectedValue("column \(column) is NULL") }
        return value
    }
}
