/// An authorization code (RFC 6749 §4.1.2) as stored: by its hash, bound to everything the
/// token request must repeat or prove, single-use and short-lived.
public struct AuthorizationCode: Sendable, Hashable {
    /// SHA-256 (hex) of the code; the code itself is never stored.
    public var hash: String
    public var clientID: String
    public var userID: String
    /// The browser session the user authenticated in.
    public var browserSessionID: String
    /// The redirect URI of the authorization request, repeated in the token request.
    public var redirectURI: String
    /// The granted scope, space-separated.
    public var scope: String
    /// The PKCE `S256` challenge (RFC 7636 §4.2).
    public var codeChallenge: String
    /// The OpenID Connect `nonce`, echoed in the ID token.
    public var nonce: String?
    /// When the user last authenticated (the ID token's `auth_time`).
    public var authTime: Int64
    public var createdAt: Int64
    public var expiresAt: Int64
    /// When it was exchanged, if it was.
    public var usedAt: Int64?
    /// The session the exchange started: revoked when the code is presented again.
    public var tokenSessionID: String?

    /// A code record as stored.
    public init(
        hash: String, clientID: String, userID: String, browserSessionID: String, redirectURI: String, scope: String, codeChallenge: String,
        nonce: String?, authTime: Int64, createdAt: Int64, expiresAt: Int64, usedAt: Int64? = nil, tokenSessionID: String? = nil
    ) {
        self.hash = hash
        self.clientID = clientID
        self.userID = userID
        self.browserSessionID = browserSessionID
        self.redirectURI = redirectURI
        self.scope = scope
        self.codeChallenge = codeChallenge
        self.nonce = nonce
        self.authTime = authTime
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.tokenSessionID = tokenSessionID
    }
}

/// An authorization request waiting for the user to log in or consent, as stored: found by the
/// hash of the CSRF token its form carries, and only from the browser that started it.
public struct PendingAuthorization: Sendable, Hashable {
    /// SHA-256 (hex) of the form's CSRF token.
    public var hash: String
    /// SHA-256 (hex) of the browser-binding cookie it was started with.
    public var browserHash: String
    /// The validated request, serialised (`AuthorizationRequest.serialized`).
    public var request: String
    /// The browser session once the user has logged in (then only consent is pending).
    public var sessionID: String?
    public var createdAt: Int64
    public var expiresAt: Int64

    /// A pending request as stored.
    public init(hash: String, browserHash: String, request: String, sessionID: String?, createdAt: Int64, expiresAt: Int64) {
        self.hash = hash
        self.browserHash = browserHash
        self.request = request
        self.sessionID = sessionID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// What a user agreed a client may have: the scopes granted so far. A request for no more than
/// these skips the consent page.
public struct Consent: Sendable, Hashable {
    public var userID: String
    public var clientID: String
    /// Sorted, distinct scopes.
    public var scopes: [String]
    public var grantedAt: Int64

    /// A consent as stored.
    public init(userID: String, clientID: String, scopes: [String], grantedAt: Int64) {
        self.userID = userID
        self.clientID = clientID
        self.scopes = scopes
        self.grantedAt = grantedAt
    }
}
