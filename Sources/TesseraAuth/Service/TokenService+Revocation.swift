import TesseraCrypto
import TesseraJWT

extension TokenService {
    /// Token revocation (RFC 7009 §2.1). A refresh token revokes its family and its session; an
    /// access token revokes its session. Unknown, expired or malformed tokens are accepted
    /// silently (§2.2). A token issued to another client is refused.
    public func revoke(token: String, client: OAuthClient) async throws {
        let now = self.now
        let hash = try Self.secretHash(token)
        let sessionToForget: RevokedSession? = try await store.transaction { tx in
            if let record = try await tx.refreshToken(hash: hash, forUpdate: true) {
                guard record.clientID == client.id else { throw AuthError(.unauthorizedClient, "token was issued to another client") }
                try await tx.revokeRefreshFamily(record.familyID, at: now)
                try await tx.insertAuditEvent(AuditEvent(at: now, kind: .tokenRevoked, clientID: client.id, detail: "refresh family \(record.familyID)"))
                return try await self.revokeSession(tx, id: record.sessionID, at: now, kind: .sessionRevoked, clientID: client.id)
            }
            guard let verified = try? self.verifyAccessToken(token, audiences: nil, checkingAudience: false) else { return nil }
            guard verified.claims.clientID == client.id else { throw AuthError(.unauthorizedClient, "token was issued to another client") }
            guard let sid = verified.claims.sessionID else { return nil }
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .tokenRevoked, userID: verified.claims.subject, clientID: client.id,
                                                     detail: "access token jti \(verified.claims.jwtID ?? "-")"))
            return try await self.revokeSession(tx, id: sid, at: now, kind: .sessionRevoked, clientID: client.id)
        }
        if let sessionToForget { revokedSessions.insert(sessionToForget.id, absoluteExpiresAt: sessionToForget.absoluteExpiresAt) }
    }

    /// Token introspection (RFC 7662 §2.2): the claims and `active: true` for a good access or
    /// refresh token whose session is still active; `{"active": false}` for anything else.
    public func introspect(token: String) async throws -> JSONObject {
        let inactive: JSONObject = ["active": .bool(false)]
        let now = self.now
        if let verified = try? verifyAccessToken(token, audiences: nil, checkingAudience: false) {
            if let sid = verified.claims.sessionID {
                let session = try await store.transaction { try await $0.session(id: sid, forUpdate: false) }
                guard let session, session.isActive(at: now) else { return inactive }
            }
            var response: JSONObject = ["active": .bool(true), "token_type": .string("Bearer")]
            for member in verified.claims.object { response[member.name] = member.value }
            return response
        }
        guard token.utf8.count <= 512 else { return inactive }
        let hash = try Self.secretHash(token)
        let found: (RefreshTokenRecord, Session)? = try await store.transaction { tx in
            guard let record = try await tx.refreshToken(hash: hash, forUpdate: false),
                let session = try await tx.session(id: record.sessionID, forUpdate: false)
            else { return nil }
            return (record, session)
        }
        guard let (record, session) = found, record.revokedAt == nil, record.spentAt == nil, now < record.expiresAt,
            session.isActive(at: now)
        else { return inactive }
        var response: JSONObject = [
            "active": .bool(true), "token_type": .string("refresh_token"), "client_id": .string(record.clientID),
            "sub": .string(session.userID), "iss": .string(policy.issuer),
            "exp": .int(Int(record.expiresAt)), "iat": .int(Int(record.issuedAt)), "sid": .string(session.id),
        ]
        if !record.scope.isEmpty { response["scope"] = .string(record.scope) }
        return response
    }

    /// Brings the revocation view up to date with revocations made anywhere (another instance,
    /// the CLI). Run it every poll interval: a revocation is then refused here within one
    /// interval plus one query.
    public func refreshRevocations() async throws {
        try await revokedSessions.refresh(from: store, now: now, retention: policy.accessTokenTTL + 60)
    }

    /// Deletes login attempts too old to count for throttling, so the table stays small.
    public func pruneLoginAttempts() async throws {
        let before = now - policy.throttle.window
        try await store.transaction { try await $0.pruneLoginAttempts(before: before) }
    }

    /// Ends one session: its refresh tokens stop working and its access tokens stop verifying.
    public func logout(sessionID: String) async throws {
        let now = self.now
        let revoked = try await store.transaction { tx in
            try await self.revokeSession(tx, id: sessionID, at: now, kind: .logout, clientID: nil)
        }
        guard let revoked else { throw AuthError.notFound("no such session") }
        revokedSessions.insert(revoked.id, absoluteExpiresAt: revoked.absoluteExpiresAt)
    }

    /// Ends every session of a user. Returns how many were active.
    @discardableResult
    public func logoutEverywhere(userID: String) async throws -> Int {
        let now = self.now
        let revoked = try await store.transaction { tx in
            let revoked = try await self.revokeAllSessions(tx, userID: userID, except: nil, at: now)
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .logoutAll, userID: userID, detail: "\(revoked.count) sessions"))
            return revoked
        }
        for session in revoked { revokedSessions.insert(session.id, absoluteExpiresAt: session.absoluteExpiresAt) }
        return revoked.count
    }

    /// A user's sessions, newest first.
    public func sessions(userID: String) async throws -> [Session] {
        try await store.transaction { try await $0.sessions(userID: userID) }
    }

    /// Revokes a session by id (an operator action).
    public func revokeSession(id: String) async throws {
        let now = self.now
        let revoked = try await store.transaction { tx in
            try await self.revokeSession(tx, id: id, at: now, kind: .sessionRevoked, clientID: nil)
        }
        guard let revoked else { throw AuthError.notFound("no such session") }
        revokedSessions.insert(revoked.id, absoluteExpiresAt: revoked.absoluteExpiresAt)
    }

    /// Marks one session and its refresh tokens revoked, with an audit event. Returns the
    /// session, or nil if there is none; revoking twice is harmless.
    func revokeSession(_ tx: any AuthTransaction, id: String, at now: Int64, kind: AuditEvent.Kind, clientID: String?) async throws -> RevokedSession? {
        guard let session = try await tx.session(id: id, forUpdate: true) else { return nil }
        if session.revokedAt == nil {
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: kind, userID: session.userID, clientID: clientID, detail: "session \(id.prefix(8))"))
        }
        return try await markRevoked(tx, session, at: now)
    }

    /// Marks a session (if not yet) and its refresh tokens revoked.
    private func markRevoked(_ tx: any AuthTransaction, _ session: Session, at now: Int64) async throws -> RevokedSession {
        if session.revokedAt == nil {
            var revoked = session
            revoked.revokedAt = now
            try await tx.updateSession(revoked)
        }
        try await tx.revokeRefreshTokens(sessionID: session.id, at: now)
        return RevokedSession(id: session.id, absoluteExpiresAt: session.absoluteExpiresAt)
    }

    /// Revokes every session of a user except `except`; returns those revoked now.
    func revokeAllSessions(_ tx: any AuthTransaction, userID: String, except: String?, at now: Int64) async throws -> [RevokedSession] {
        var revoked: [RevokedSession] = []
        for session in try await tx.sessions(userID: userID) where session.id != except && session.revokedAt == nil {
            revoked.append(try await markRevoked(tx, session, at: now))
        }
        return revoked
    }
}
