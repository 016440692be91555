/// OAuth client authentication (RFC 6749 §2.3): confidential clients present their secret,
/// compared in constant time with the stored hash; public clients present none.
public struct ClientAuthenticator: Sendable {
    let environment: AuthEnvironment

    /// The client, authenticated.
    public func authenticate(id: String, secret: String?) async throws -> OAuthClient {
        let client = try await environment.store.read { try await $0.client(id: id) }
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
