import TesseraJWT

/// Token revocation (RFC 7009). A refresh token revokes its family and its session; an access
/// token revokes its session, or, when it has none (client_credentials), itself by `jti` until
/// its `exp`. Unknown, expired or malformed tokens are accepted silently
/// (§2.2). A token issued to another client is refused.
public struct TokenRevocation: Sendable {
    let environment: AuthEnvironment
    let sessions: SessionService
    let accessTokens: AccessTokens

    public func revoke(token: String, client: OAuthClient) async throws {
        let now = environment.now
        let hash = try OpaqueSecret.storedHash(of: token)
        // Nothing to revoke (an unknown, malformed or session-less token) is settled with a read:
        // a flood of junk never takes the write lock.
        let isRefreshToken = try await environment.store.read { try await $0.refreshToken(hash: hash, forUpdate: false) != nil }
        let access = isRefreshToken ? nil : try? accessTokens.verify(token, audiences: nil, checkingAudience: false, checkingFreshness: false)
        if let access, access.claims.clientID != client.id { throw AuthError(.unauthorizedClient, "token was issued to another client") }
        guard isRefreshToken || access != nil else { return }
        if let claims = access?.claims, claims.sessionID == nil {
            guard let jti = claims.jwtID, let expiration = claims.expiration, expiration.isFinite else { return }
            let exp = Int64(min(expiration, 4e18))
            try await environment.store.transaction { tx in
                try await tx.insertRevokedToken(jti: jti, expiresAt: exp, at: now)
                try await tx.insertAuditEvent(AuditEvent(at: now, kind: .tokenRevoked, clientID: client.id, detail: "access token jti \(jti)"))
            }
            sessions.revoked.insertToken(jti, expiresAt: exp)
            return
        }
        let ended: [RevokedSession] = try await environment.store.transaction { tx in
            if let record = try await tx.refreshToken(hash: hash, forUpdate: true) {
                guard record.clientID == client.id else { throw AuthError(.unauthorizedClient, "token was issued to another client") }
                try await tx.revokeRefreshFamily(record.familyID, at: now)
                try await tx.insertAuditEvent(AuditEvent(at: now, kind: .tokenRevoked, clientID: client.id, detail: "refresh family \(record.familyID)"))
                return try await sessions.revoke(tx, id: record.sessionID, at: now, kind: .sessionRevoked, clientID: client.id)
            }
            guard let claims = access?.claims, let sid = claims.sessionID else { return [] }
            try await tx.insertAuditEvent(
                AuditEvent(at: now, kind: .tokenRevoked, userID: claims.subject, clientID: client.id, detail: "access token jti \(claims.jwtID ?? "-")"))
            return try await sessions.revoke(tx, id: sid, at: now, kind: .sessionRevoked, clientID: client.id)
        }
        sessions.forget(ended)
    }
}
