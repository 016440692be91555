import Synchronization
import TesseraJWT

/// OAuth client authentication (RFC 6749 §2.3): confidential clients present their secret,
/// compared in constant time with the stored hash; public clients present none.
public struct ClientAuthenticator: Sendable {
    let environment: AuthEnvironment
    private var recent: RecentClients { environment.recentClients }

    /// The client, authenticated. `forIntrospection`: a record read from the store up to
    /// `RecentClients.lifetime` ago that allows introspection may stand in for a new read, since
    /// a resource server may introspect every request and introspection grants nothing; a
    /// removed client or a withdrawn permission then takes effect there within a second, like a
    /// revocation on another instance, and a new permission at once. Everything that issues or
    /// revokes tokens reads the store.
    public func authenticate(id: String, secret: String?, forIntrospection: Bool = false) async throws -> OAuthClient {
        let now = environment.clock.now
        let client: OAuthClient?
        if forIntrospection, let remembered = recent.client(id: id, now: now), remembered.mayIntrospect {
            client = remembered
        } else {
            client = try await environment.store.read { try await $0.client(id: id) }
            if let client { recent.remember(client, at: now) }
        }
        guard let client else { throw AuthError.invalidClient("unknown client") }
        switch (client.kind, secret, client.secretHash) {
        case (.public, nil, _):
            return client
        case let (.confidential, secret?, expected?):
            guard try OpaqueSecret.matches(secret, storedHash: expected) else { throw AuthError.invalidClient("wrong client secret") }
            return client
        case (.public, _?, _):
            throw AuthError.invalidClient("public clients have no secret")
        default:
            throw AuthError.invalidClient("client secret required")
        }
    }
}

/// Client records by id with the time they were read; at most `capacity`, forgotten after
/// `lifetime` seconds.
final class RecentClients: Sendable {
    static let lifetime = 1.0
    static let capacity = 1024
    private let records = Mutex<[String: (client: OAuthClient, readAt: Double)]>([:])

    func client(id: String, now: Double) -> OAuthClient? {
        records.withLock { records in
            guard let record = records[id], now - record.readAt < Self.lifetime, now >= record.readAt else { return nil }
            return record.client
        }
    }

    func forget(id: String) {
        _ = records.withLock { $0.removeValue(forKey: id) }
    }

    func remember(_ client: OAuthClient, at now: Double) {
        records.withLock { records in
            if records.count >= Self.capacity { records.removeAll(keepingCapacity: true) }
            records[client.id] = (client, now)
        }
    }
}
