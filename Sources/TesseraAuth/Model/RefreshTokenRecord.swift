/// What the store keeps of a refresh token: never the token, only its SHA-256.
public struct RefreshTokenRecord: Sendable, Hashable, Codable {
    /// SHA-256 of the token, hex.
    public var hash: String
    /// Every token descended from one login shares a family (RFC 9700 §4.14.2).
    public var familyID: String
    public var sessionID: String
    public var clientID: String
    /// The token this one replaced, if any.
    public var parentHash: String?
    public var scope: String
    public var issuedAt: Int64
    public var expiresAt: Int64
    /// When it was exchanged for a new pair.
    public var spentAt: Int64?
    public var revokedAt: Int64?

    /// A refresh token record as stored.
    public init(
        hash: String, familyID: String, sessionID: String, clientID: String, parentHash: String?, scope: String,
        issuedAt: Int64, expiresAt: Int64, spentAt: Int64?, revokedAt: Int64?
    ) {
        self.hash = hash
        self.familyID = familyID
        self.sessionID = sessionID
        self.clientID = clientID
        self.parentHash = parentHash
        self.scope = scope
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.spentAt = spentAt
        self.revokedAt = revokedAt
    }
}
