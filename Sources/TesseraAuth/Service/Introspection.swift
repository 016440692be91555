import TesseraJWT

/// What introspection (RFC 7662) found out about a token; the HTTP layer renders it.
public enum IntrospectionResult: Sendable, Equatable {
    /// Anything not currently usable: unknown, expired, revoked, spent, or of an ended session.
    case inactive
    /// A good access token and its verified claims.
    case accessToken(claims: JSONObject)
    /// A live refresh token.
    case refreshToken(RefreshTokenDetails)

    /// What is known of a live refresh token (the token itself is never kept).
    public struct RefreshTokenDetails: Sendable, Equatable {
        public let clientID: String
        public let subject: String
        public let issuer: String
        public let expiresAt: Int64
        public let issuedAt: Int64
        public let sessionID: String
        /// Space-separated; empty when the grant had none.
        public let scope: String
    }

    public var isActive: Bool { self != .inactive }
}

/// Token introspection (RFC 7662 §2.2): an access token is active if it verifies, which
/// includes the in-memory view of revoked sessions and tokens (so a revocation anywhere shows
/// within one poll interval), with no store read: a resource server may introspect every
/// request. A refresh token is read from the store: active if neither spent, revoked nor
/// expired and its session is active.
///
/// Only confidential clients registered for it may ask (RFC 7662 §2.1 requires the endpoint to
/// authorize its callers; §4 warns that it otherwise answers token scanning).
public struct Introspection: Sendable {
    let environment: AuthEnvironment
    let accessTokens: AccessTokens

    /// What `client` may learn about `token`: `invalid_client` for a public client (it cannot
    /// authenticate), `forbidden` for a confidential one without the permission.
    public func introspect(token: String, for client: OAuthClient) async throws -> IntrospectionResult {
        guard client.kind == .confidential else { throw AuthError.invalidClient("introspection needs a confidential client") }
        guard client.mayIntrospect else { throw AuthError(.forbidden, "client \(client.id) may not introspect") }
        return try await introspect(token: token, audiences: Set(environment.policy.defaultAudiences).union(client.audiences))
    }

    /// What is known about `token`, for a caller already authorized (the CLI, tests). An access
    /// token counts only under the same profile as everywhere else, its `aud` naming one of
    /// `audiences` (by default the configured ones; an introspecting client adds its own).
    public func introspect(token: String, audiences: Set<String>? = nil) async throws -> IntrospectionResult {
        let now = environment.now
        let store = environment.store
        // A stale revocation view is 503, as on every other path; any other failure means "not a good access token".
        let verified: VerifiedJWT?
        do {
            verified = try accessTokens.verify(token, audiences: audiences)
        } catch let error as AuthError where error.code == .storeUnavailable {
            throw error
        } catch {
            verified = nil
        }
        if let verified {
            // Tessera asks its own clock: no leeway for skew, inactive from `exp` on.
            guard let expiration = verified.claims.expiration, Double(now) < expiration else { return .inactive }
            return .accessToken(claims: verified.claims.object)
        }
        // Only what could be a refresh token reaches the store (256 bits, base64url).
        guard token.utf8.count == 43, Base64URL.decode(token)?.count == 32 else { return .inactive }
        let hash = try OpaqueSecret.storedHash(of: token)
        let found: (RefreshTokenRecord, Session)? = try await store.read { tx in
            guard let record = try await tx.refreshToken(hash: hash, forUpdate: false),
                let session = try await tx.session(id: record.sessionID, forUpdate: false)
            else { return nil }
            return (record, session)
        }
        guard let (record, session) = found, record.revokedAt == nil, record.spentAt == nil, now < record.expiresAt,
            session.isActive(at: now)
        else { return .inactive }
        return .refreshToken(
            .init(
                clientID: record.clientID, subject: session.userID, issuer: environment.policy.issuer,
                expiresAt: record.expiresAt, issuedAt: record.issuedAt, sessionID: session.id, scope: record.scope))
    }
}
