import Metrics

/// The refresh token grant (RFC 6749 §6) with rotation on every use and reuse detection
/// (RFC 9700 §4.14): presenting a spent token revokes its family and its session.
///
/// The new refresh token always carries the original grant; a `scope` parameter narrows only
/// the new access token, and asking beyond the grant is `invalid_scope` (§6, §5.2). The access
/// token's scope is recomputed by `ScopePolicy` against the user's roles of the moment.
public struct RefreshRotation: Sendable {
    let environment: AuthEnvironment
    let sessions: SessionService
    let accessTokens: AccessTokens
    let counters = RefreshCounters()

    /// A new token pair for a live refresh token, which is spent by this call.
    public func grant(client: OAuthClient, refreshToken: String, scope: String?) async throws -> TokenResponse {
        try client.requireGrant(.refreshToken)
        let hash = try OpaqueSecret.storedHash(of: refreshToken)
        let requested = try scope.map(Scope.parse)
        let now = environment.now
        if requested == nil, let rotated = try await rotateLive(hash: hash, client: client, now: now) { return rotated }
        let outcome = try await environment.store.transaction { tx in try await rotate(tx, hash: hash, client: client, requested: requested, now: now) }
        switch outcome {
        case let .rotated(user, session, newToken, scopes):
            counters.rotated.increment()
            return try accessTokens.response(user: user, client: client, scopes: scopes, session: session, refreshToken: newToken, now: now)
        case let .reuseDetected(session):
            counters.reuseDetected.increment()
            sessions.forget([RevokedSession(id: session.id, absoluteExpiresAt: session.absoluteExpiresAt)])
            throw AuthError.invalidGrant("refresh token reuse detected; the session is revoked")
        case let .rejected(reason):
            counters.rejected.increment()
            throw AuthError.invalidGrant(reason)
        }
    }

    /// The common refresh (a live token, no `scope` parameter) as one store operation in one
    /// round trip; nil when the step does not apply, and the locking transaction then decides.
    private func rotateLive(hash: String, client: OAuthClient, now: Int64) async throws -> TokenResponse? {
        let policy = environment.policy
        let successor = try OpaqueSecret.generate()
        let step = RefreshRotationStep(
            hash: hash, clientID: client.id, now: now, successorHash: successor.storedHash, successorLifetime: policy.refreshTokenTTL,
            sessionIdleTimeout: policy.sessionIdleTimeout)
        guard let rotated = try await environment.store.rotateRefreshToken(step) else { return nil }
        counters.rotated.increment()
        let scopes = issuedScopes(granted: rotated.spent.scope, requested: nil, client: client, user: rotated.user)
        return try accessTokens.response(
            user: rotated.user, client: client, scopes: scopes, session: rotated.session, refreshToken: successor.value, now: now)
    }

    /// The access token's scopes: those asked for (or all granted), that the client may still
    /// be granted and the user's roles allow now.
    private func issuedScopes(granted: String, requested: [String]?, client: OAuthClient, user: User) -> [String] {
        let rule = environment.policy.scopes
        let granted = granted.split(separator: " ").map(String.init)
        return rule.issued(requested: requested, clientScopes: granted.filter(rule.grantable(by: client).contains), roles: user.roles)
    }

    enum Outcome: Sendable {
        case rotated(User, Session, String, [String])
        case reuseDetected(Session)
        case rejected(String)
    }

    /// One refresh, inside one transaction. A reuse outcome commits the family and session
    /// revocation before the caller reports the error.
    private func rotate(_ tx: any AuthTransaction, hash: String, client: OAuthClient, requested: [String]?, now: Int64) async throws -> Outcome {
        let policy = environment.policy
        guard let (found, lockedSession, owner) = try await tx.refreshTokenForRotation(hash: hash) else { return .rejected("unknown refresh token") }
        var record = found
        var session = lockedSession
        guard record.clientID == client.id else { return .rejected("refresh token was issued to another client") }
        guard record.revokedAt == nil else { return .rejected("refresh token revoked") }
        if let spentAt = record.spentAt {
            guard policy.refreshReuseGrace > 0, now - spentAt <= policy.refreshReuseGrace, session.isActive(at: now) else {
                try await tx.revokeRefreshFamily(record.familyID, at: now)
                if session.revokedAt == nil {
                    session.revokedAt = now
                    try await tx.updateSession(session)
                }
                try await tx.insertAuditEvent(
                    AuditEvent(
                        at: now, kind: .refreshReuseDetected, userID: session.userID, clientID: client.id,
                        detail: "family \(record.familyID) and session \(session.id.prefix(8)) revoked"))
                return .reuseDetected(session)
            }
            // A retry inside the grace window: the token issued for the first try is revoked and
            // replaced, so the family still has exactly one live token.
            try await tx.revokeRefreshFamily(record.familyID, at: now)
        }
        guard now < record.expiresAt else { return .rejected("refresh token expired") }
        guard session.isActive(at: now) else { return .rejected("session ended") }
        guard let user = owner, user.status == .active else { return .rejected("user gone or disabled") }
        let granted = record.scope.split(separator: " ").map(String.init)
        if let requested, let beyond = requested.first(where: { !granted.contains($0) }) {
            // Thrown, so the transaction rolls back: a refused request changes nothing.
            throw AuthError(.invalidScope, "scope \(beyond) exceeds the original grant")
        }
        let scopes = issuedScopes(granted: record.scope, requested: requested, client: client, user: user)
        if record.spentAt == nil {
            record.spentAt = now
            try await tx.updateRefreshToken(record)
        }
        sessions.touch(&session, now: now)
        try await tx.updateSession(session)
        let token = try await sessions.issueRefreshToken(
            tx, family: record.familyID, session: session, clientID: client.id,
            parent: record.hash, scope: record.scope, now: now)
        return .rotated(user, session, token, scopes)
    }
}

/// The refresh metrics, made once (metric handles are looked up by label).
struct RefreshCounters: Sendable {
    let rotated = Counter(label: "tessera_refreshes_total", dimensions: [("result", "rotated")])
    let rejected = Counter(label: "tessera_refreshes_total", dimensions: [("result", "rejected")])
    let reuseDetected = Counter(label: "tessera_refresh_reuse_detected_total")
}
