import TesseraCrypto
import TesseraJWT

/// The token endpoint's side of the authorization code flow (RFC 6749 §4.1.3, RFC 7636 §4.6):
/// a code, its redirect URI and PKCE verifier become a session of the browser session the user
/// logged in with, its tokens, and for `openid` an ID token (OpenID Connect Core §3.1.3).
public struct AuthorizationCodeGrant: Sendable {
    let environment: AuthEnvironment
    let sessions: SessionService
    let accessTokens: AccessTokens

    private enum Exchange: Sendable {
        case issued(User, OAuthClient, [String], SessionService.Started, AuthorizationCode)
        /// A code presented again: what its first exchange started, now revoked.
        case reused([RevokedSession])
    }

    /// Tokens for `code`. Every failure is `invalid_grant` (the code is unknown, expired, for
    /// another client or redirect URI, or the verifier does not match); a code presented a
    /// second time also revokes every token its first exchange gave (RFC 6749 §4.1.2).
    public func grant(client: OAuthClient, code: String, redirectURI: String?, codeVerifier: String?) async throws -> TokenResponse {
        try client.requireGrant(.authorizationCode)
        guard let redirectURI else { throw AuthError.invalidRequest("redirect_uri is required") }
        guard let codeVerifier else { throw AuthError.invalidRequest("code_verifier is required (PKCE)") }
        // RFC 7636 §4.1: 43-128 unreserved characters.
        guard (43...128).contains(codeVerifier.utf8.count), codeVerifier.utf8.allSatisfy(Self.isUnreserved) else {
            throw AuthError.invalidGrant("code_verifier must be 43-128 unreserved characters")
        }
        guard code.utf8.count == 43 else { throw AuthError.invalidGrant("unknown authorization code") }
        let hash = try OpaqueSecret.storedHash(of: code)
        let challenge = Base64URL.encode(try HashFunction.sha256.hash(Array(codeVerifier.utf8)))
        let now = environment.now
        let exchange: Exchange = try await environment.store.transaction { tx in
            guard var record = try await tx.authorizationCodeForExchange(hash: hash) else { throw AuthError.invalidGrant("unknown authorization code") }
            // Another client presenting a spent code revokes nothing: only its own client's
            // second use does.
            guard record.clientID == client.id else { throw AuthError.invalidGrant("the code was issued to another client") }
            if record.usedAt != nil {
                try await tx.insertAuditEvent(
                    AuditEvent(at: now, kind: .codeReuseDetected, userID: record.userID, clientID: client.id, detail: "tokens of the first exchange revoked"))
                guard let started = record.tokenSessionID else { return .reused([]) }
                return .reused(try await sessions.revoke(tx, id: started, at: now, kind: .sessionRevoked, clientID: client.id))
            }
            guard now < record.expiresAt else { throw AuthError.invalidGrant("the code expired") }
            guard record.redirectURI == redirectURI else { throw AuthError.invalidGrant("redirect_uri differs from the authorization request") }
            guard ConstantTime.equals(Array(challenge.utf8), Array(record.codeChallenge.utf8)) else {
                throw AuthError.invalidGrant("code_verifier does not match the code_challenge")
            }
            guard let browser = try await tx.session(id: record.browserSessionID, forUpdate: true), browser.isActive(at: now) else {
                throw AuthError.invalidGrant("the login session of the code ended")
            }
            guard let user = try await tx.user(id: record.userID, forUpdate: true), user.status == .active else {
                throw AuthError.invalidGrant("the user of the code is gone or disabled")
            }
            guard let client = try await tx.client(id: client.id, lock: .shared) else { throw AuthError.invalidClient("client removed") }
            // The user's roles as they are now: a role withdrawn since the consent is not issued.
            let policy = environment.policy.scopes
            let scopes = policy.issued(requested: try Scope.parse(record.scope), clientScopes: policy.grantable(by: client), roles: user.roles)
            // Checked before the code is spent: a key rotated to HMAC since the consent must
            // not leave a session whose ID token cannot be signed.
            guard accessTokens.canIssue(scopes) else {
                throw AuthError(.invalidScope, "openid needs an asymmetric signing key")
            }
            let started = try await sessions.start(
                tx, user: user, client: client, scope: scopes.joined(separator: " "), now: now, withCookie: false,
                withRefreshToken: client.grants.contains(.refreshToken), parent: browser)
            record.usedAt = now
            record.tokenSessionID = started.session.id
            try await tx.updateAuthorizationCode(record)
            try await tx.insertAuditEvent(
                AuditEvent(at: now, kind: .codeExchanged, userID: user.id, clientID: client.id, detail: "session \(started.session.id.prefix(8))"))
            return .issued(user, client, scopes, started, record)
        }
        switch exchange {
        case let .reused(ended):
            sessions.forget(ended)
            throw AuthError.invalidGrant("the authorization code was already used; its tokens are revoked")
        case let .issued(user, client, scopes, started, record):
            var response = try accessTokens.response(
                user: user, client: client, scopes: scopes, session: started.session, refreshToken: started.refreshToken, now: now)
            if scopes.contains(AuthorizationCodeFlow.openIDScope) {
                response.idToken = try idToken(
                    user: user, client: client, code: record, session: started.session, accessToken: response.accessToken, now: now,
                    expiresAt: now + response.expiresIn)
            }
            return response
        }
    }

    /// The ID token of an exchange (OpenID Connect Core §2, §3.1.3.6); it expires with the
    /// access token beside it (`expiresAt`).
    private func idToken(
        user: User, client: OAuthClient, code: AuthorizationCode, session: Session, accessToken: String, now: Int64, expiresAt: Int64
    ) throws -> String {
        var claims = JWTClaims()
        claims["iss"] = .string(environment.policy.issuer)
        claims["sub"] = .string(user.id)
        claims["aud"] = .string(client.id)
        claims["exp"] = .int(Int(expiresAt))
        claims["iat"] = .int(Int(now))
        claims["auth_time"] = .int(Int(code.authTime))
        if let nonce = code.nonce { claims["nonce"] = .string(nonce) }
        claims["sid"] = .string(session.id)
        claims["amr"] = .array([.string("pwd")])
        return try accessTokens.signIDToken(claims, accessToken: accessToken)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }
}
