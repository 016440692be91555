import TesseraAuth
import TesseraJWT

/// Who is calling, established by a route group before its handler runs: handlers of
/// authenticated groups take one, so none of them can forget to authenticate.
public struct Caller: Sendable {
    /// How the caller proved who it is.
    public enum Credential: Sendable {
        /// A verified access token (its session checked against the revocation view).
        case bearer(JWTClaims)
        /// A browser session cookie naming an active session.
        case cookie(Session)
    }

    public let credential: Credential

    /// The token's subject, or the cookie session's user.
    public var subject: String? {
        switch credential {
        case let .bearer(claims): claims.subject
        case let .cookie(session): session.userID
        }
    }

    /// The user session behind the credential; nil for a token without `sid` (client_credentials).
    public var sessionID: String? {
        switch credential {
        case let .bearer(claims): claims.sessionID
        case let .cookie(session): session.id
        }
    }

    /// Who the caller is, for audit records: "user ID" for a user's credential, "client ID" for
    /// a client's own token.
    public var auditName: String {
        switch credential {
        case let .bearer(claims):
            claims.sessionID != nil ? "user \(claims.subject ?? "?")" : "client \(claims.clientID ?? "?")"
        case let .cookie(session): "user \(session.userID)"
        }
    }

    public var viaCookie: Bool {
        if case .cookie = credential { return true }
        return false
    }

    /// The token's scopes; a cookie session carries none.
    public var scopes: [Substring] {
        guard case let .bearer(claims) = credential else { return [] }
        return claims.scope?.split(separator: " ") ?? []
    }
}
