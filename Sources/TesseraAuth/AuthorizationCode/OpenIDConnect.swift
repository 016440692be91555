import TesseraJWT

/// What OpenID Connect adds around the code flow: the UserInfo endpoint (Core §5.3),
/// RP-initiated logout (RP-Initiated Logout 1.0) and the user's view of their consents.
public struct OpenIDConnect: Sendable {
    let environment: AuthEnvironment
    let sessions: SessionService
    let accessTokens: AccessTokens

    /// The claims of the user an access token with `openid` speaks for, by the scopes it holds
    /// (Core §5.4): `sub` always; `preferred_username` and `updated_at` for `profile`; `email`
    /// and `email_verified` (always false: Tessera does not verify addresses) for `email`.
    /// The token is checked like any access token (signature, claims, revocation) except for
    /// its audience: whichever resource server it was issued for, its holder may ask who it is.
    public func userInfo(accessToken: String) async throws -> JSONObject {
        let claims = try accessTokens.verify(accessToken, audiences: nil, checkingAudience: false).claims
        let scopes = Set((claims.scope ?? "").split(separator: " ").map(String.init))
        guard scopes.contains(AuthorizationCodeFlow.openIDScope) else { throw AuthError.insufficientScope("the token lacks the openid scope") }
        guard claims.sessionID != nil, let subject = claims.subject else { throw AuthError.insufficientScope("the token has no user") }
        guard let user = try await environment.store.read({ try await $0.user(id: subject) }), user.status == .active else {
            throw AuthError(.invalidToken, "the user no longer exists")
        }
        var object: JSONObject = ["sub": .string(user.id)]
        if scopes.contains("profile") {
            object["preferred_username"] = .string(user.username)
            object["updated_at"] = .int(Int(user.updatedAt))
        }
        if scopes.contains("email"), let email = user.email {
            object["email"] = .string(email)
            object["email_verified"] = .bool(false)
        }
        return object
    }

    /// What a logout request did.
    public struct Logout: Sendable {
        /// Where to send the browser: a registered post-logout redirect URI with `state`, if
        /// the request named one that the hint's client registered.
        public let redirect: String?
        /// Whether the browser's own session cookie was ended (and should be cleared).
        public let endedBrowserSession: Bool
    }

    /// RP-initiated logout. With a valid `id_token_hint` (signed here, expired or not, but not
    /// older than a browser session can live), ends the browser session its `sid` belongs to
    /// and every session started from it; redirects only to a `post_logout_redirect_uri` the
    /// hint's client registered. The browser's own session ends without asking only when it
    /// is that browser session; otherwise only a `confirmed` request (a form posted from
    /// Tessera's own page with its CSRF token) ends it.
    public func logout(
        idTokenHint: String?, clientID: String?, postLogoutRedirectURI: String?, state: String?, browserSession: Session?, confirmed: Bool
    ) async throws -> Logout {
        let now = environment.now
        let hinted = try idTokenHint.map { hint in try hintedSession(hint, clientID: clientID) }
        let (ended, endedOwn): ([RevokedSession], Bool) = try await environment.store.transaction { tx in
            var ended: [RevokedSession] = []
            var root: String?
            if let hinted, let session = try await tx.session(id: hinted.session, forUpdate: false), session.userID == hinted.user {
                root = session.parentID ?? session.id
                ended += try await sessions.revoke(tx, id: session.parentID ?? session.id, at: now, kind: .logout, clientID: hinted.client)
            }
            guard let browserSession, confirmed || browserSession.id == root else { return (ended, false) }
            ended += try await sessions.revoke(tx, id: browserSession.id, at: now, kind: .logout, clientID: nil)
            return (ended, true)
        }
        sessions.forget(ended)
        var redirect: String?
        if let postLogoutRedirectURI, let client = hinted?.client,
            let registered = try await environment.store.read({ try await $0.client(id: client) }),
            registered.postLogoutRedirectURIs.contains(postLogoutRedirectURI)
        {
            redirect = RedirectTarget(uri: postLogoutRedirectURI, state: state).url([], issuer: environment.policy.issuer)
        }
        return Logout(redirect: redirect, endedBrowserSession: endedOwn)
    }

    /// The user, session and client an ID token hint names.
    private func hintedSession(_ hint: String, clientID: String?) throws -> (user: String, session: String, client: String) {
        let claims = try accessTokens.verifyIDTokenHint(hint).claims
        guard let user = claims.subject, let sid = claims.sessionID, let audience = claims.audience?.first, let issuedAt = claims.issuedAt else {
            throw AuthError(.invalidToken, "the id_token_hint lacks sub, sid, aud or iat")
        }
        // Older than any browser session can live: its session is long gone; refuse rather
        // than let an old token sign anyone out.
        guard Double(environment.now) - issuedAt <= Double(environment.policy.cookieSessionAbsoluteTimeout) else {
            throw AuthError(.invalidToken, "the id_token_hint is older than a session lasts")
        }
        if let clientID, clientID != audience { throw AuthError.invalidRequest("client_id differs from the id_token_hint's audience") }
        return (user, sid, audience)
    }

    /// The user's consents, by client.
    public func consents(userID: String) async throws -> [Consent] {
        try await environment.store.read { try await $0.consents(userID: userID) }
    }

    /// Withdraws the user's consent for a client and ends the user's sessions through it, so
    /// its refresh tokens stop working too.
    public func revokeConsent(userID: String, clientID: String) async throws {
        let now = environment.now
        let ended: [RevokedSession] = try await environment.store.transaction { tx in
            guard try await tx.consent(userID: userID, clientID: clientID) != nil else { throw AuthError.notFound("no consent for this client") }
            try await tx.deleteConsent(userID: userID, clientID: clientID)
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .consentRevoked, userID: userID, clientID: clientID))
            let theirs = try await tx.sessions(userID: userID).filter { $0.clientID == clientID && $0.cookieHash == nil }
            return try await sessions.end(tx, theirs, at: now)
        }
        sessions.forget(ended)
    }
}
