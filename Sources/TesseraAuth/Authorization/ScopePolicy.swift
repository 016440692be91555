/// Which scopes a grant may carry: the one authorization rule of the token service.
///
/// A scope is *restricted* when it starts with `tessera:` or when `requiredRoles` names a role
/// for it. A user receives a restricted scope only while holding the role mapped to it; a
/// `tessera:` scope with no mapping is given to no user at all. A token with no user
/// (client_credentials) receives a restricted scope only when its client is registered with it.
public struct ScopePolicy: Sendable, Equatable {
    /// Every scope with this prefix is restricted, listed in `requiredRoles` or not.
    public static let reservedPrefix = "tessera:"
    /// The default mapping: administrators hold `admin`.
    public static let defaultRequiredRoles = ["tessera:admin": "admin"]

    /// Scope → the role a user needs to receive it (`auth.scope_roles`).
    public let requiredRoles: [String: String]

    public init(requiredRoles: [String: String] = Self.defaultRequiredRoles) {
        self.requiredRoles = requiredRoles
    }

    /// Whether `scope` needs a role (for a user) or an explicit registration (for a client).
    public func isRestricted(_ scope: String) -> Bool {
        scope.hasPrefix(Self.reservedPrefix) || requiredRoles[scope] != nil
    }

    /// Whether a user holding `roles` may receive `scope`.
    public func permits(_ scope: String, roles: Set<String>) -> Bool {
        guard isRestricted(scope) else { return true }
        guard let role = requiredRoles[scope] else { return false }
        return roles.contains(role)
    }

    /// The scopes a client may pass on: its registered ones, less any restricted scope for a
    /// public client (registration refuses those; this covers clients registered before it did).
    public func grantable(by client: OAuthClient) -> [String] {
        client.kind == .public ? client.scopes.filter { !isRestricted($0) } : client.scopes
    }

    /// The scope a grant issues, in request order:
    ///
    ///     (requested, or `clientScopes` when nothing is requested) ∩ clientScopes
    ///       − every restricted scope the user's `roles` do not permit
    ///
    /// `roles` is nil for a token with no user (client_credentials): then nothing is removed
    /// beyond the intersection. Asking for more narrows the grant instead of failing it (RFC 6749
    /// §3.3); the token response states what was granted.
    public func issued(requested: [String]?, clientScopes: [String], roles: Set<String>?) -> [String] {
        (requested ?? clientScopes).filter { scope in
            clientScopes.contains(scope) && (roles.map { permits(scope, roles: $0) } ?? true)
        }
    }
}
