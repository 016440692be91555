import Foundation
import TesseraAuth
import TesseraJWT
import TesseraPostgres
import TesseraSQLite

extension Settings {
    /// The configured store, migrated to the current schema.
    func openStore() async throws -> any AuthStore {
        let store: any AuthStore
        if self.store.hasPrefix("sqlite:") {
            let path = String(self.store.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw CLIError.usage("store sqlite: needs a path, e.g. sqlite:data/tessera.db") }
            store = try await asStoreError { try await SQLiteAuthStore.open(path: path) }
        } else if self.store.hasPrefix("postgres://") || self.store.hasPrefix("postgresql://") {
            store = try asStoreError { try PostgresAuthStore(url: self.store, password: databasePassword) }
        } else {
            throw CLIError.usage("store must be sqlite:PATH or postgres://user@host:port/database")
        }
        try await asStoreError { try await store.migrate() }
        return store
    }

    /// The auth policy these settings describe.
    var authPolicy: AuthPolicy {
        var policy = AuthPolicy(issuer: issuer, defaultAudiences: audiences)
        policy.accessTokenTTL = Int64(tokenTTL)
        return policy
    }

    /// Services over an open store. Administration needs no signing key, so a missing key ring
    /// is fine unless `needsKeys`.
    func services(store: any AuthStore, needsKeys: Bool = false) throws -> (TokenService, AccountService) {
        let ring = try needsKeys ? loadKeyRing() : ((try? loadKeyRing()) ?? JWTKeyRing(keys: []))
        let tokens = try TokenService(store: store, keyRing: ring, policy: authPolicy, hasher: passwordHasher)
        return (tokens, AccountService(tokens: tokens))
    }
}

/// Runs a store operation, turning failures into CLI errors: an unknown or duplicate record is a
/// negative answer (exit 1); bad input or an unreachable store is exit 2.
func asStoreError<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as AuthError {
        switch error.code {
        case .notFound, .conflict: throw CLIError.negative(error.detail)
        default: throw CLIError.usage(error.detail)
        }
    }
}

func asStoreError<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as AuthError {
        throw CLIError.usage(error.detail)
    }
}
