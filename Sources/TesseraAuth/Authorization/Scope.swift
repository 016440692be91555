/// OAuth scopes (RFC 6749 §3.3): space-separated, case-sensitive, no duplicates, each made of
/// the characters `%x21 / %x23-5B / %x5D-7E`. Which of them a grant issues is `ScopePolicy`'s rule.
public enum Scope {
    /// The tokens of a scope string, duplicates dropped; `invalid_scope` for characters §3.3 excludes.
    public static func parse(_ text: String) throws -> [String] {
        let tokens = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        for token in tokens {
            guard token.unicodeScalars.allSatisfy({ $0.value == 0x21 || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value) }) else {
                throw AuthError(.invalidScope, "scope has characters RFC 6749 §3.3 does not allow")
            }
        }
        var seen = Set<String>()
        return tokens.filter { seen.insert($0).inserted }
    }
}
