import Foundation
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import TesseraAuth
import TesseraJWT
import TesseraSQL

/// How the connection to PostgreSQL is protected (as libpq's `sslmode` of the same names, except
/// that `require` never checks the certificate, even when a CA is configured).
public enum PostgresTLS: Sendable, Equatable {
    /// Plain TCP: for loopback only.
    case disable
    /// Encrypted, the server's certificate not checked (a passive eavesdropper learns nothing;
    /// an active one can impersonate the server).
    case require
    /// Encrypted, and the certificate must chain to `caFile` (or the system roots when nil) and
    /// name the host.
    case verifyFull(caFile: String?)
}

/// The store for several instances on one database: a pooled PostgresClient (which reconnects
/// after the server restarts); row locks (`SELECT … FOR UPDATE`) serialise concurrent uses of
/// one refresh token or session across instances.
///
/// The store is a `Service`: its connections live while `run()` runs, normally in the server's
/// `ServiceGroup`, which ends it after everything that uses it. Operations issued before `run()`
/// starts wait for it.
public final class PostgresAuthStore: AuthStore, Service {
    private let client: PostgresClient
    private let logger: Logger
    private let clock: JWTClock
    private let operationTimeout: Duration
    /// The same server, user and TLS as the pool, for one direct connection whose failure can
    /// be reported (the pool retries quietly until the operation times out).
    private let probe: PostgresConnection.Configuration

    /// Connects to `url` (`postgres://user[:password]@host[:port]/database`); the password may
    /// instead come from `password` (for example `TESSERA_DATABASE_PASSWORD`).
    /// Each transaction, including waiting for a connection, must finish within `operationTimeout`.
    public init(
        url: String, password: String? = nil, tls: PostgresTLS = .disable, maximumConnections: Int = 10,
        operationTimeout: Duration = .seconds(10), clock: JWTClock = .system
    ) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, !host.isEmpty, let user = components.user
        else { throw AuthError.storeUnavailable("store URL must look like postgres://user@host:port/database") }
        let database = String(components.path.dropFirst())
        let tlsConfiguration = try Self.tlsConfiguration(tls)
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user,
            password: components.password ?? password, database: database.isEmpty ? user : database,
            tls: tlsConfiguration.map { .require($0) } ?? .disable)
        do {
            probe = PostgresConnection.Configuration(
                host: host, port: components.port ?? 5432, username: user, password: components.password ?? password,
                database: database.isEmpty ? user : database, tls: try tlsConfiguration.map { .require(try NIOSSLContext(configuration: $0)) } ?? .disable)
        } catch {
            throw AuthError.storeUnavailable("cannot set up TLS for PostgreSQL: \(error)")
        }
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        var logger = Logger(label: "tessera.postgres")
        logger.logLevel = .critical
        self.logger = logger
        self.clock = clock
        self.operationTimeout = operationTimeout
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// The TLS configuration for `mode` (nil: plain TCP); a CA file that cannot be read is an
    /// error now, not at the first connection.
    private static func tlsConfiguration(_ mode: PostgresTLS) throws -> TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable:
            return nil
        case .require:
            configuration.certificateVerification = .none
        case let .verifyFull(caFile):
            configuration.certificateVerification = .fullVerification
            if let caFile {
                do {
                    configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
                } catch {
                    throw AuthError.storeUnavailable("cannot read the CA certificates in \(caFile)")
                }
            }
        }
        return configuration
    }

    /// Opens and closes one connection, so that a refused login or a failed TLS handshake is
    /// reported as such (one line), instead of as a timeout.
    private func checkConnection() async throws {
        do {
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: probe, id: 0, logger: logger
            ).get()
            try await connection.close()
        } catch let error as PSQLError {
            if let underlying = error.underlying, underlying is NIOSSLError || underlying is BoringSSLError {
                let untrusted = "\(underlying)".contains("CERTIFICATE_VERIFY_FAILED")
                throw AuthError.storeUnavailable(
                    untrusted
                        ? "PostgreSQL: TLS handshake failed: the server's certificate is not trusted (database.tls_ca_file) or does not name the host"
                        : "PostgreSQL: TLS handshake failed")
            }
            throw PostgresExecutor.translate(error)
        }
    }

    /// Keeps the connection pool until cancelled or, in a `ServiceGroup`, until graceful shutdown.
    public func run() async {
        await cancelWhenGracefulShutdown { await self.client.run() }
    }

    public func migrate() async throws {
        try await checkConnection()
        try await Migrations.apply(dialect: .postgres, now: Int64(clock.now)) { body in
            try await self.inTransaction { try await body($0) }
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any AuthTransaction) async throws -> T) async throws -> T {
        try await inTransaction { try await body(SQLAuthTransaction($0)) }
    }

    /// Reads need no separate path: PostgreSQL's snapshots never wait for writers.
    public func read<T: Sendable>(_ body: @Sendable (any AuthTransaction) async throws -> T) async throws -> T {
        try await transaction(body)
    }

    /// How often a transaction the server aborted to break a deadlock (or a serialization
    /// conflict) is run again before the caller gets 503.
    static let retries = 3

    /// Runs `body` in a transaction, retried as `retrying` says.
    private func inTransaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await retrying { try await self.inTransactionOnce(body) }
    }

    /// Runs `operation`, again (after a short random wait) when PostgreSQL aborted it to break
    /// a deadlock, up to `retries` times.
    private func retrying<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await operation()
            } catch SQLError.retryable(let reason) {
                attempt += 1
                guard attempt <= Self.retries else {
                    throw AuthError.storeUnavailable("PostgreSQL: \(reason), still after \(Self.retries) retries")
                }
                logger.debug("transaction retried", metadata: ["reason": "\(reason)", "attempt": "\(attempt)"])
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...25) << attempt))
            }
        }
    }

    private func inTransactionOnce<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        do {
            return try await withDeadline {
                try await self.client.withTransaction(logger: self.logger) { connection in
                    try await body(PostgresExecutor(connection: connection, logger: self.logger))
                }
            }
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError { throw closureError }
            if let underlying = (error.beginError ?? error.commitError) as? PSQLError { throw PostgresExecutor.translate(underlying) }
            throw AuthError.storeUnavailable("PostgreSQL transaction failed")
        } catch let error as PSQLError {
            throw PostgresExecutor.translate(error)
        }
    }

    /// One prepared statement on a pooled connection, outside any transaction block: PostgreSQL
    /// runs it as its own transaction, in one round trip, with the plan it made the first time.
    public func rotateRefreshToken(_ step: RefreshRotationStep) async throws -> RotatedRefreshToken? {
        try await retrying {
            do {
                return try await self.withDeadline {
                    var rows: [any SQLRow] = []
                    let statement = RefreshRotationStatement(binds: SQLRefreshRotation.binds(step))
                    for try await row in try await self.client.execute(statement, logger: self.logger) {
                        rows.append(PostgresResultRow(row: row.makeRandomAccess()))
                    }
                    return try SQLRefreshRotation.rotated(rows)
                }
            } catch let error as PSQLError {
                throw PostgresExecutor.translate(error)
            }
        }
    }

    public func sessionsRevoked(since: Int64, expiringAfter: Int64) async throws -> [RevokedSession] {
        try await inTransaction { try await SQLQueries.sessionsRevoked($0, since: since, expiringAfter: expiringAfter) }
    }

    public func tokensRevoked(since: Int64, expiringAfter: Int64) async throws -> [RevokedToken] {
        try await inTransaction { try await SQLQueries.tokensRevoked($0, since: since, expiringAfter: expiringAfter) }
    }

    /// Runs `operation`, giving up with `storeUnavailable` after `operationTimeout`: an
    /// unreachable server must produce an answer, not a hang (the pool retries connecting
    /// for as long as it is asked to wait).
    private func withDeadline<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        let timeout = operationTimeout
        return try await withoutActuallyEscaping(operation) { operation in
            try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask { try await operation() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw AuthError.storeUnavailable("PostgreSQL did not answer within \(timeout)")
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        }
    }

    /// Runs one statement outside any transaction (administration such as `CREATE DATABASE`).
    public func execute(_ sql: String) async throws {
        do {
            _ = try await withDeadline { try await self.client.query(PostgresQuery(unsafeSQL: sql), logger: self.logger) }
        } catch let error as PSQLError {
            throw PostgresExecutor.translate(error)
        }
    }

    public func ping() async throws {
        _ = try await inTransaction { try await $0.query("SELECT 1", []) }
    }

    /// Nothing to release here: the pool closes when `run()` ends.
    public func close() async throws {}
}

/// Statements on one leased connection.
struct PostgresExecutor: SQLExecutor {
    let connection: PostgresConnection
    let logger: Logger
    var dialect: SQLDialect { .postgres }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [any SQLRow] {
        do {
            var rows: [any SQLRow] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: Self.bindings(binds)), logger: logger) {
                rows.append(PostgresResultRow(row: row.makeRandomAccess()))
            }
            return rows
        } catch let error as PSQLError {
            throw Self.translate(error)
        }
    }

    static func bindings(_ binds: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind {
            case let .text(text): bindings.append(text)
            case let .integer(value): bindings.append(value)
            case .null: bindings.appendNull()
            }
        }
        return bindings
    }

    /// Unique violations (SQLSTATE 23505) become `SQLError.uniqueViolation`; anything else a
    /// store failure naming the server's message, never the bound values.
    static func translate(_ error: PSQLError) -> any Error {
        if error.serverInfo?[.sqlState] == "23505" { return SQLError.uniqueViolation(error.serverInfo?[.message] ?? "unique violation") }
        // deadlock_detected, serialization_failure
        if let state = error.serverInfo?[.sqlState], ["40P01", "40001"].contains(state) {
            return SQLError.retryable(error.serverInfo?[.message] ?? state)
        }
        if let message = error.serverInfo?[.message] { return AuthError.storeUnavailable("PostgreSQL: \(message)") }
        return AuthError.storeUnavailable("PostgreSQL unreachable (\(error.code))")
    }
}

struct PostgresResultRow: SQLRow, @unchecked Sendable {
    let row: PostgresRandomAccessRow

    func text(_ column: Int) throws -> String? { try row[column].decode(String?.self) }
    func integer(_ column: Int) throws -> Int64? { try row[column].decode(Int64?.self) }
}

/// `SQLRefreshRotation.postgresStatement`, prepared on each connection the first time it runs
/// there.
struct RefreshRotationStatement: PostgresPreparedStatement {
    static let sql = SQLRefreshRotation.postgresStatement
    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .int8, .text, .int8, .int8, .text]
    let binds: [SQLValue]

    func makeBindings() throws -> PostgresBindings { PostgresExecutor.bindings(binds) }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
