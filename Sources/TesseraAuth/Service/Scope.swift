/// OAuth scopes (RFC 6749 §3.3): space-separated, case-sensitive, no duplicates, each made of
/// the characters `%x21 / %x23-5B / %x5D-7E`.
enum Scope {
    /// The scope a grant issues: the requested tokens that `allowed` contains, or all of
    /// `allowed` when nothing was requested. Asking for more narrows the grant rather than failing
    /// it (RFC 6749 §3.3: the server may ignore part of the request, and then says what it
    /// granted); a request that is not scope syntax at all is `invalid_scope`.
    static func narrow(requested: String?, allowed: [String]) throws -> [String] {
        guard let requested else { return allowed }
        return try parse(requested).filter(allowed.contains)
    }

    /// `requested` when every token of it is in `allowed` (all of `allowed` when nothing was
    /// requested); `invalid_scope` otherwise. For refreshes (RFC 6749 §6: never more than the
    /// original grant) and for registering a client's scopes.
    static func resolve(requested: String?, allowed: [String]) throws -> [String] {
        guard let requested else { return allowed }
        let tokens = try parse(requested)
        if let token = tokens.first(where: { !allowed.contains($0) }) {
            throw AuthError(.invalidScope, "scope \(token) is not allowed for this client")
        }
        return tokens
    }

    /// The tokens of a scope string, duplicates dropped; `invalid_scope` for characters §3.3 excludes.
    private static func parse(_ text: String) throws -> [String] {
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
