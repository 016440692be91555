/// Something security-relevant that happened. Never carries a secret: no password, token or key.
public struct AuditEvent: Sendable, Hashable, Codable {
    /// What happened.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case loginSucceeded = "login.succeeded"
        case loginFailed = "login.failed"
        /// The first throttled attempt of a username from a source; the rest are counted.
        case loginThrottled = "login.throttled"
        case refreshReuseDetected = "refresh.reuse_detected"
        /// An authorization code presented a second time: the tokens it gave were revoked.
        case codeReuseDetected = "code.reuse_detected"
        case codeExchanged = "code.exchanged"
        case consentGranted = "consent.granted"
        case consentRevoked = "consent.revoked"
        case tokenRevoked = "token.revoked"
        case sessionRevoked = "session.revoked"
        case logout = "logout"
        case logoutAll = "logout.all"
        case userCreated = "user.created"
        case userUpdated = "user.updated"
        case userDisabled = "user.disabled"
        case userEnabled = "user.enabled"
        case userDeleted = "user.deleted"
        case passwordChanged = "user.password_changed"
        case roleGranted = "user.role_granted"
        case roleRevoked = "user.role_revoked"
        case clientCreated = "client.created"
        case clientRemoved = "client.removed"
        case clientUpdated = "client.updated"
    }

    public var at: Int64
    public var kind: Kind
    public var userID: String?
    public var clientID: String?
    public var ip: String?
    /// Free text for operators (a reason, a session id); never a secret.
    public var detail: String

    /// An audit event.
    public init(at: Int64, kind: Kind, userID: String? = nil, clientID: String? = nil, ip: String? = nil, detail: String = "") {
        self.at = at
        self.kind = kind
        self.userID = userID
        self.clientID = clientID
        self.ip = ip
        self.detail = detail
    }
}
