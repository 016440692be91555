/// OAuth scopes (RFC 6749 §3.3): space-separated, case-sensitive, no duplicates, each made of
/// the characters `%x21 / %x23-5B / %x5D-7E`.
enum Scope {
    /// The scope to grant: `requested` when every token of it is in `allowed`, or all of `allowed`
    /// when nothing was requested. Throws `invalid_scope` otherwise.
    static func resolve(requested: String?, allowed: [String]) throws -> [String] {
        guard let requested else { return allowed }
        let tokens = requested.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        for token in tokens {
            guard token.unicodeScalars.allSatisfy({ $0.value == 0x21 || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value) }) else {
                throw AuthError(.invalidScope, "scope has characters RFC 6749 §3.3 does not allow")
            }
            guard allowed.contains(token) else { throw AuthError(.invalidScope, "scope \(token) is not allowed for this client") }
        }
        var seen = Set<String>()
        return tokens.filter { seen.insert($0).inserted }
    }
}
