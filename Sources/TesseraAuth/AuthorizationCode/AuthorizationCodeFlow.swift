import TesseraCrypto
import TesseraJWT

/// The browser side of the authorization code flow (RFC 6749 §4.1 as OAuth 2.1 profiles it,
/// PKCE, OpenID Connect Core §3.1): which page the user sees, the login and consent they
/// submit, and the single-use code that ends it. Pending requests, codes and consents live in
/// the store, so any instance can serve any step.
public struct AuthorizationCodeFlow: Sendable {
    let environment: AuthEnvironment
    let sessions: SessionService
    let accessTokens: AccessTokens
    let passwords: PasswordLogin

    /// How long a code may wait for its exchange (OAuth 2.1 §4.1.2: short; RFC 6749 §4.1.2: at most 10 minutes).
    static let codeLifetime: Int64 = 60
    /// How long a login or consent form stays usable.
    public static let formLifetime: Int64 = 600

    /// What the browser is shown next.
    public enum Step: Sendable {
        /// The login form.
        case login(AuthorizationForm)
        /// The consent page, asking for `scopes`.
        case consent(AuthorizationForm, scopes: [String])
        /// Back to the client, with a code or an error.
        case redirect(String)
    }

    /// A form of a pending request: the CSRF token it carries, the client it is for, and where
    /// its post may end up (the page's `form-action` must allow that redirect).
    public struct AuthorizationForm: Sendable {
        public let csrfToken: String
        public let clientID: String
        public let redirectURI: String
    }

    /// The registered client named by `client_id` and the `redirect_uri`, which must be one of
    /// its own. Nothing here can be answered by redirecting: `AuthorizationPageError`.
    public func client(_ parameters: [String: [String]]) async throws -> (OAuthClient, String) {
        guard let ids = parameters["client_id"], ids.count == 1, let id = ids.first else {
            throw AuthorizationPageError(description: "The request must name the application exactly once (client_id).")
        }
        guard let client = try await environment.store.read({ try await $0.client(id: id) }) else {
            throw AuthorizationPageError(description: "The application that sent you here is not registered.")
        }
        // OAuth 2.1 §4.1.1 lets a client with one redirect URI omit it; Tessera always asks
        // for it (OpenID Connect Core §3.1.2.1 does too), so nothing is ever inferred.
        guard let uris = parameters["redirect_uri"], uris.count == 1, let uri = uris.first, (try? RedirectURI.validated(uri)) != nil,
            RedirectURI.matches(uri, registered: client.redirectURIs)
        else {
            throw AuthorizationPageError(description: "The address the application asked to return to is not registered for it.")
        }
        return (client, uri)
    }

    /// The rest of the request, validated; problems are `AuthorizationError`s that redirect.
    public func request(_ parameters: [String: [String]], client: OAuthClient, redirectURI: String) throws -> AuthorizationRequest {
        try AuthorizationRequest.parse(parameters, client: client, redirectURI: redirectURI)
    }

    /// The first step for `request` in a browser holding `session` (from its session cookie,
    /// if any) and the binding cookie `browser`: the login form, the consent page, or the
    /// redirect with a code or an error.
    public func start(_ request: AuthorizationRequest, session: Session?, browser: String) async throws -> Step {
        let now = environment.now
        let usable = session.flatMap { isFresh($0, for: request, now: now) ? $0 : nil }
        guard let usable else {
            if request.prompt.contains(.none) {
                throw AuthorizationError(.loginRequired, "the user is not logged in", target: request.target)
            }
            return .login(try await pend(request, browser: browser, sessionID: nil, now: now))
        }
        return try await proceed(request, session: usable, pending: nil, browser: browser, now: now)
    }

    /// Whether `session` is good enough to skip the login form: `prompt` does not ask for a new
    /// login and it is younger than `max_age`.
    private func isFresh(_ session: Session, for request: AuthorizationRequest, now: Int64) -> Bool {
        guard request.prompt.isDisjoint(with: [.login, .selectAccount]) else { return false }
        guard let maxAge = request.maxAge else { return true }
        return now - session.createdAt <= maxAge
    }

    /// A login posted from the form of a pending request. Returns the next step and the new
    /// browser session's cookie secret. A wrong password or a throttled attempt throws
    /// `LoginRefused`: the form is shown again with the same token.
    public func login(csrfToken: String, browser: String?, username: String, password: String, ip: String) async throws -> (Step, cookie: String) {
        let now = environment.now
        let (pending, request) = try await pendingRequest(csrfToken: csrfToken, browser: browser, now: now)
        guard let client = try await environment.store.read({ try await $0.client(id: request.clientID) }) else {
            throw AuthorizationPageError(description: "The application that sent you here is no longer registered.")
        }
        let checked: PasswordLogin.CheckedLogin
        do {
            checked = try await passwords.check(client: client, username: username, password: password, ip: ip)
        } catch let error as AuthError where [.invalidGrant, .throttled].contains(error.code) {
            throw LoginRefused(error: error, form: AuthorizationForm(csrfToken: csrfToken, clientID: client.id, redirectURI: request.redirectURI))
        }
        let started = try await environment.store.transaction { tx in
            let (user, client) = try await passwords.lockForSession(tx, checked, client: client)
            let started = try await sessions.start(tx, user: user, client: client, scope: "", now: now, withCookie: true, withRefreshToken: false)
            try await passwords.recordSuccess(tx, checked, client: client, session: started.session, now: now)
            return started
        }
        guard let cookie = started.cookieSecret else { throw AuthError.invalidInput("session", "a browser session has a cookie") }
        return (try await proceed(request, session: started.session, pending: (pending, csrfToken), browser: nil, now: now), cookie)
    }

    /// The user's answer on the consent page of a pending request, from the browser session
    /// that logged in for it.
    public func consent(csrfToken: String, browser: String?, session: Session?, allow: Bool) async throws -> Step {
        let now = environment.now
        let (pending, request) = try await pendingRequest(csrfToken: csrfToken, browser: browser, now: now)
        guard let session, let expected = pending.sessionID, session.id == expected else {
            throw AuthError(.forbidden, "consent from another browser session")
        }
        guard allow else {
            try await environment.store.transaction { try await $0.deletePendingAuthorization(hash: pending.hash) }
            throw AuthorizationError(.accessDenied, "the user denied the request", target: request.target)
        }
        return try await environment.store.transaction { tx in
            try await consume(tx, pending)
            let (user, client) = try await current(tx, session: session, request: request)
            // At most what the page showed (the request's scopes were narrowed to them).
            let scopes = try checkedScopes(request, client: client, user: user)
            let earlier = try await tx.consent(userID: user.id, clientID: client.id)?.scopes ?? []
            try await tx.saveConsent(Consent(userID: user.id, clientID: client.id, scopes: Set(earlier + scopes).sorted(), grantedAt: now))
            try await tx.insertAuditEvent(
                AuditEvent(at: now, kind: .consentGranted, userID: user.id, clientID: client.id, detail: scopes.joined(separator: " ")))
            return .redirect(try await issueCode(tx, request, user: user, session: session, scopes: scopes, now: now))
        }
    }

    /// The logged-in part: the consent page when the user has not agreed to these scopes for
    /// this client (never for a first-party one), else the code. `pending` is the request's
    /// row and its form's token when it has one; otherwise one is made for the consent form
    /// (bound to `browser`).
    private func proceed(
        _ request: AuthorizationRequest, session: Session, pending: (row: PendingAuthorization, token: String)?, browser: String?, now: Int64
    ) async throws
        -> Step
    {
        enum Next {
            case consent([String])
            case redirect(String)
        }
        let next: Next = try await environment.store.transaction { tx in
            let (user, client) = try await current(tx, session: session, request: request)
            let scopes = try checkedScopes(request, client: client, user: user)
            if try await needsConsent(tx, request, client: client, user: user, scopes: scopes) {
                guard !request.prompt.contains(.none) else {
                    throw AuthorizationError(.consentRequired, "the user must consent to this client", target: request.target)
                }
                return .consent(scopes)
            }
            if let pending { try await consume(tx, pending.row) }
            return .redirect(try await issueCode(tx, request, user: user, session: session, scopes: scopes, now: now))
        }
        switch next {
        case let .redirect(url):
            return .redirect(url)
        case let .consent(scopes):
            // The consent grants at most what the page shows.
            var shown = request
            shown.scopes = scopes
            if let pending {
                var row = pending.row
                row.sessionID = session.id
                row.request = shown.serialized
                let updated = row
                try await environment.store.transaction { try await $0.updatePendingAuthorization(updated) }
                return .consent(AuthorizationForm(csrfToken: pending.token, clientID: request.clientID, redirectURI: request.redirectURI), scopes: scopes)
            }
            guard let browser else { throw AuthError(.forbidden, "no browser binding") }
            return .consent(try await pend(shown, browser: browser, sessionID: session.id, now: now), scopes: scopes)
        }
    }

    static let openIDScope = "openid"

    /// Whether the user must see the consent page: always for `prompt=consent`; for a public
    /// client whose redirect URI is a loopback address or a private-use scheme, which any
    /// local app can claim (RFC 8252 §8.6); otherwise unless the client is first-party or the
    /// user agreed to these scopes before (an empty scope set included: a client learns who
    /// the user is only with the user's agreement).
    private func needsConsent(_ tx: any AuthTransaction, _ request: AuthorizationRequest, client: OAuthClient, user: User, scopes: [String])
        async throws -> Bool
    {
        if request.prompt.contains(.consent) { return true }
        if client.kind == .public, !request.redirectURI.hasPrefix("https://") { return true }
        if client.firstParty { return false }
        guard let agreed = try await tx.consent(userID: user.id, clientID: client.id) else { return true }
        return !Set(scopes).isSubset(of: Set(agreed.scopes))
    }

    /// The scopes `user` gets through `client` for `request` (`ScopePolicy`); `openid` only
    /// while an asymmetric key signs, since an ID token is never HMAC-signed.
    private func checkedScopes(_ request: AuthorizationRequest, client: OAuthClient, user: User) throws -> [String] {
        let policy = environment.policy.scopes
        let scopes = policy.issued(requested: request.scopes, clientScopes: policy.grantable(by: client), roles: user.roles)
        guard accessTokens.canIssue(scopes) else {
            throw AuthorizationError(.invalidScope, "openid needs an asymmetric signing key (Documentation/keys.md)", target: request.target)
        }
        return scopes
    }

    /// Deletes a pending request inside the transaction that answers it, so that a form posted
    /// twice at once is answered once (the other post finds it gone: 403).
    private func consume(_ tx: any AuthTransaction, _ pending: PendingAuthorization) async throws {
        guard try await tx.pendingAuthorization(hash: pending.hash, forUpdate: true) != nil else {
            throw AuthError(.forbidden, "the form was already answered")
        }
        try await tx.deletePendingAuthorization(hash: pending.hash)
    }

    /// The active user of `session` and the client of `request`, as they are now.
    private func current(_ tx: any AuthTransaction, session: Session, request: AuthorizationRequest) async throws -> (User, OAuthClient) {
        guard let user = try await tx.user(id: session.userID, forUpdate: true), user.status == .active,
            try await tx.session(id: session.id, forUpdate: false)?.isActive(at: environment.now) == true
        else {
            throw AuthorizationError(.loginRequired, "the session ended", target: request.target)
        }
        guard let client = try await tx.client(id: request.clientID, lock: .shared) else {
            throw AuthorizationPageError(description: "The application that sent you here is no longer registered.")
        }
        return (user, client)
    }

    /// A new pending request whose form carries a fresh CSRF token, bound to `browser`.
    private func pend(_ request: AuthorizationRequest, browser: String, sessionID: String?, now: Int64) async throws -> AuthorizationForm {
        let token = try OpaqueSecret.generate()
        let pending = PendingAuthorization(
            hash: token.storedHash, browserHash: try OpaqueSecret.storedHash(of: browser), request: request.serialized, sessionID: sessionID,
            createdAt: now, expiresAt: now + Self.formLifetime)
        try await environment.store.transaction { try await $0.insertPendingAuthorization(pending) }
        return AuthorizationForm(csrfToken: token.value, clientID: request.clientID, redirectURI: request.redirectURI)
    }

    /// The pending request a form post names, if it is unexpired and `browser` is the binding
    /// cookie it was started with; anything else is `forbidden` (a forged or replayed post).
    private func pendingRequest(csrfToken: String, browser: String?, now: Int64) async throws -> (PendingAuthorization, AuthorizationRequest) {
        guard csrfToken.utf8.count == 43, let browser, browser.utf8.count == 43 else { throw AuthError(.forbidden, "missing CSRF token or browser binding") }
        let hash = try OpaqueSecret.storedHash(of: csrfToken)
        let pending = try await environment.store.read { try await $0.pendingAuthorization(hash: hash, forUpdate: false) }
        guard let pending, now < pending.expiresAt, try OpaqueSecret.matches(browser, storedHash: pending.browserHash),
            let request = AuthorizationRequest(serialized: pending.request)
        else { throw AuthError(.forbidden, "unknown, expired or foreign form") }
        return (pending, request)
    }

    /// A new code for `request`, stored by its hash; returns the redirect that delivers it.
    private func issueCode(_ tx: any AuthTransaction, _ request: AuthorizationRequest, user: User, session: Session, scopes: [String], now: Int64)
        async throws -> String
    {
        let code = try OpaqueSecret.generate()
        try await tx.insertAuthorizationCode(
            AuthorizationCode(
                hash: code.storedHash, clientID: request.clientID, userID: user.id, browserSessionID: session.id, redirectURI: request.redirectURI,
                scope: scopes.joined(separator: " "), codeChallenge: request.codeChallenge, nonce: request.nonce, authTime: session.createdAt,
                createdAt: now, expiresAt: now + Self.codeLifetime))
        return request.target.url([("code", code.value)], issuer: environment.policy.issuer)
    }
}

/// A login the password rules refused (`error`: `invalid_grant` or `throttled`), with the form
/// to show again.
public struct LoginRefused: Error, Sendable {
    public let error: AuthError
    public let form: AuthorizationCodeFlow.AuthorizationForm
}
