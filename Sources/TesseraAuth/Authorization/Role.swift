/// Role names: what a user holds, and what `auth.scope_roles` maps restricted scopes to.
public enum Role {
    /// The canonical form of a role name: 1-64 characters of `a-z 0-9 _ . : -`. Lower case only,
    /// so that `Admin` and `admin` can never be two roles.
    public static func validated(_ name: String) throws -> String {
        guard (1...64).contains(name.utf8.count),
            name.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || "_.:-".utf8.contains($0) })
        else {
            throw AuthError.invalidInput("roles", "role names are 1-64 characters of a-z 0-9 _ . : -")
        }
        return name
    }
}
