import TesseraJWT

/// Whether the subject of a verified access token still holds a scope the token carries. A
/// token outlives changes to its subject; routes that guard administration ask the store, so
/// that a user who lost a role is refused at once, on every instance, unexpired token or not.
public struct Entitlements: Sendable {
    let environment: AuthEnvironment

    /// Throws unless `claims` carry `scope` and their subject may still receive it:
    /// - a user's token (it has a session): the session is active and the user is active and
    ///   holds the role `ScopePolicy` requires;
    /// - a client's own token (no session): the client is still registered with the scope.
    /// A missing scope or role is `insufficient_scope` (403); a gone user, session or client is
    /// `invalid_token` (401).
    public func confirm(_ claims: JWTClaims, scope: String) async throws {
        guard claims.scope?.split(separator: " ").contains(Substring(scope)) == true else {
            throw AuthError.insufficientScope("scope \(scope) required")
        }
        let policy = environment.policy.scopes
        let now = environment.now
        try await environment.store.read { tx in
            if let sessionID = claims.sessionID {
                guard let session = try await tx.session(id: sessionID, forUpdate: false), session.isActive(at: now),
                    let user = try await tx.user(id: session.userID), user.id == claims.subject, user.status == .active
                else { throw AuthError(.invalidToken, "session ended or user gone") }
                guard policy.permits(scope, roles: user.roles) else { throw AuthError.insufficientScope("user lacks the role for \(scope)") }
            } else {
                // A client removed and registered again under the same id is not the token's client.
                guard let clientID = claims.clientID, claims.subject == clientID, let client = try await tx.client(id: clientID),
                    let issuedAt = claims.issuedAt, issuedAt >= Double(client.createdAt)
                else { throw AuthError(.invalidToken, "client gone") }
                guard client.kind == .confidential, client.scopes.contains(scope) else {
                    throw AuthError.insufficientScope("client no longer registered with \(scope)")
                }
            }
        }
    }

    /// Throws `insufficient_scope` unless a user's token may act on the user's own account
    /// (`/v1/me`, logout, consents): a token of a first-party client, or of one the user gave
    /// a password to (the password grant is first-party by nature). A third party the user
    /// consented to learns who the user is through `/userinfo`, within the consented scopes,
    /// and nothing more.
    public func confirmAccountAccess(_ claims: JWTClaims) async throws {
        guard let clientID = claims.clientID, let client = try await environment.store.read({ try await $0.client(id: clientID) }),
            client.firstParty || client.grants.contains(.password)
        else { throw AuthError.insufficientScope("the account routes take tokens of first-party clients only") }
    }
}
