/// An account that can log in with a password.
public struct User: Sendable, Hashable, Codable {
    /// Whether the account may log in.
    public enum Status: String, Sendable, Codable {
        case active
        case disabled
    }

    /// Stable random identifier; the `sub` of the user's tokens.
    public var id: String
    /// Canonical username: trimmed, NFKC-normalised, case-folded; unique.
    public var username: String
    /// PHC string of the password hash.
    public var passwordHash: String
    public var status: Status
    public var createdAt: Int64
    public var updatedAt: Int64
    public var passwordChangedAt: Int64
    /// Role names (`Role.validated`); restricted scopes are issued only to holders of their role.
    public var roles: Set<String>
    /// An address the user can be reached at (`Email.validated`), for the OpenID Connect `email`
    /// scope; never verified by Tessera.
    public var email: String?

    /// A user record as stored.
    public init(
        id: String, username: String, passwordHash: String, status: Status, createdAt: Int64, updatedAt: Int64, passwordChangedAt: Int64,
        roles: Set<String> = [], email: String? = nil
    ) {
        self.id = id
        self.username = username
        self.passwordHash = passwordHash
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.passwordChangedAt = passwordChangedAt
        self.roles = roles
        self.email = email
    }
}
