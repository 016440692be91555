import Configuration

/// The `auth` section: which role a user needs for each restricted scope.
public struct AuthorizationConfiguration: ConfigurationSection {
    public static let section = "auth"
    public static let defaults: [String: ConfigValue] = [
        "scope_roles": .init(.stringArray(ScopePolicy.defaultRequiredRoles.map { "\($0.key)=\($0.value)" }), isSecret: false)
    ]

    /// `auth.scope_roles`: a list of `scope=role` pairs (in the environment, comma-separated).
    /// Every `tessera:` scope is restricted even when unlisted; an unlisted one goes to no user.
    public var scopes: ScopePolicy

    public init(reader: ConfigReader) throws {
        var required: [String: String] = [:]
        for pair in try reader.requiredStringArray(forKey: "scope_roles") {
            let parts = pair.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let scope = try? Scope.parse(String(parts[0])), scope.count == 1, let role = try? Role.validated(String(parts[1]))
            else {
                throw InvalidConfiguration("auth.scope_roles entries are scope=role (a single scope, a role of a-z 0-9 _ . : -), not \(pair)")
            }
            try InvalidConfiguration.require(required[scope[0]] == nil, "auth.scope_roles maps \(scope[0]) twice")
            required[scope[0]] = role
        }
        scopes = ScopePolicy(requiredRoles: required)
    }
}
