import Foundation
import ServiceLifecycle
import TesseraAuth
import TesseraJWT
import TesseraPostgres
import TesseraSQLite

/// An open store and, when it keeps connections of its own, the service that must run for it
/// to answer (PostgreSQL's pool).
public struct OpenStore: Sendable {
    public let store: any AuthStore
    public let service: (any Service)?
}

extension TesseraConfiguration {
    /// The configured store, not yet migrated. `clock` dates rows the store writes itself.
    public func openStore(clock: JWTClock) async throws -> OpenStore {
        if store.hasPrefix("sqlite:") {
            let path = String(store.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw InvalidConfiguration("store sqlite: needs a path, e.g. sqlite:data/tessera.db") }
            return OpenStore(store: try await SQLiteAuthStore.open(path: path, clock: clock), service: nil)
        }
        if store.hasPrefix("postgres://") || store.hasPrefix("postgresql://") {
            let postgres = try PostgresAuthStore(url: store, password: databasePassword, tls: postgresTLS, clock: clock)
            return OpenStore(store: postgres, service: postgres)
        }
        throw InvalidConfiguration("store must be sqlite:PATH or postgres://user@host:port/database")
    }

    /// `database.tls` for the store's host: `auto` is `disable` on loopback (nothing to
    /// intercept) and `verify-full` anywhere else.
    var postgresTLS: PostgresTLS {
        switch databaseTLS {
        case "disable": return .disable
        case "require": return .require
        case "verify-full": return .verifyFull(caFile: databaseCAFile)
        default:
            let host = URLComponents(string: store)?.host ?? ""
            let loopback = host == "localhost" || IPAddress(host).map { IPNetwork("127.0.0.0/8")!.contains($0) || $0 == IPAddress("::1") } == true
            return loopback ? .disable : .verifyFull(caFile: databaseCAFile)
        }
    }

    /// Runs `body` with the configured store, migrated, its connections running for the
    /// duration; the store is closed afterwards (the CLI's store commands).
    public func withStore<T: Sendable>(
        clock: JWTClock,
        _ body: (any AuthStore) async throws -> T
    ) async throws -> T {
        let opened = try await openStore(clock: clock)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            if let service = opened.service { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            do {
                try await opened.store.migrate()
                let result = try await body(opened.store)
                try? await opened.store.close()
                return result
            } catch {
                try? await opened.store.close()
                throw error
            }
        }
    }
}
