/// The OAuth 2.0 grant types Tessera implements (RFC 6749 §4.1, §4.3, §4.4, §6).
public enum GrantType: String, Sendable, Codable, CaseIterable {
    case authorizationCode = "authorization_code"
    case password
    case refreshToken = "refresh_token"
    case clientCredentials = "client_credentials"
}

/// A registered OAuth client (RFC 6749 §2).
public struct OAuthClient: Sendable, Hashable, Codable {
    /// Confidential clients authenticate with a secret; public clients cannot keep one (§2.1).
    public enum Kind: String, Sendable, Codable {
        case `public`
        case confidential
    }

    public var id: String
    /// SHA-256 (hex) of the client secret; nil for public clients. Secrets are 256 random bits,
    /// so a fast hash is enough: there is nothing to brute-force.
    public var secretHash: String?
    public var kind: Kind
    /// Grant types the client may use.
    public var grants: [GrantType]
    /// Scopes the client may request; empty means it may request none.
    public var scopes: [String]
    /// Audiences its access tokens are issued for.
    public var audiences: [String]
    /// Whether it may call the introspection endpoint (RFC 7662 §2.1); confidential clients only.
    public var mayIntrospect: Bool
    /// Whether it may name the end user's address (`end_user_ip`) for throttling and audit:
    /// a service that posts its users' logins from one address; confidential clients only.
    public var forwardsClientIP: Bool
    /// Where authorization responses may be sent (`RedirectURI`), matched exactly.
    public var redirectURIs: [String]
    /// Where RP-initiated logout may send the browser afterwards, matched exactly.
    public var postLogoutRedirectURIs: [String]
    /// A client the operator runs: its users are not asked to consent.
    public var firstParty: Bool
    public var createdAt: Int64

    /// A client record as stored.
    public init(
        id: String, secretHash: String?, kind: Kind, grants: [GrantType], scopes: [String], audiences: [String], mayIntrospect: Bool = false,
        forwardsClientIP: Bool = false, redirectURIs: [String] = [], postLogoutRedirectURIs: [String] = [], firstParty: Bool = false,
        createdAt: Int64
    ) {
        self.id = id
        self.secretHash = secretHash
        self.kind = kind
        self.grants = grants
        self.scopes = scopes
        self.audiences = audiences
        self.mayIntrospect = mayIntrospect
        self.forwardsClientIP = forwardsClientIP
        self.redirectURIs = redirectURIs
        self.postLogoutRedirectURIs = postLogoutRedirectURIs
        self.firstParty = firstParty
        self.createdAt = createdAt
    }
}
