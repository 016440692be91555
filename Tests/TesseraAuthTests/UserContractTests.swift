import TesseraAuth
import TesseraSQL
import Testing

@Suite("Contract: users and clients")
struct UserContractTests {
    @Test("migrations are recorded once each, and running them again changes nothing", arguments: StoreKind.available)
    func migrateTwice(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let expected = Migrations.all(for: kind == .sqlite ? .sqlite : .postgres).map(\.version)
            #expect(try await h.store.transaction { try await $0.schemaVersions() } == expected)
            let alice = try await h.user()
            try await h.store.migrate()
            try await h.store.migrate()
            #expect(try await h.store.transaction { try await $0.schemaVersions() } == expected)
            #expect(try await h.accounts.user(username: "alice").id == alice.id, "data survives a second migration")
        }
    }

    @Test("usernames are trimmed, NFKC-normalised and case-folded; duplicates conflict", arguments: StoreKind.available)
    func canonicalUsernames(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let alice = try await h.user("  Alice ")
            #expect(alice.username == "alice")
            await expectAuthError(.conflict) { try await h.user("ALICE") }
            await expectAuthError(.conflict) { try await h.user("ＡＬＩＣＥ") }  // fullwidth letters
            #expect(try await h.accounts.user(username: "aLiCe").id == alice.id)
            await expectAuthError(.invalidInput) { try await h.user("   ") }
            await expectAuthError(.invalidInput) { try await h.user("bad\u{0007}name") }
            await expectAuthError(.invalidInput) { try await h.user(String(repeating: "x", count: 65)) }
            // Few characters, many bytes: "á" with 29 more acute accents is one character of 60
            // bytes after NFKC; five of them are 300 bytes, four 240.
            let heavy = "a" + String(repeating: "\u{301}", count: 30)
            await expectAuthError(.invalidInput) { try await h.user(String(repeating: heavy, count: 5)) }
            try await h.user(String(repeating: heavy, count: 4))
        }
    }

    /// Every rule of the password policy, each refused by name on creation and on a change; a
    /// refused change leaves the user as it was.
    static let refusedPasswords: [(String, PasswordPolicy.Rule)] = [
        ("fourteen chars", .minimumLength),
        // Seven "é" written as e + U+0301: 7 characters to Swift, 14 code points (NIST and JSON
        // Schema count code points).
        (String(repeating: "e\u{301}", count: 7), .minimumLength),
        (String(repeating: "x", count: 1025), .maximumLength),
        (String(repeating: "€", count: 257), .maximumLength),  // 257 characters, 771 bytes: counted in characters
        ("1qaz2wsx3edc4rfv", .commonPassword),
        ("1QAZ2wsx3EDC4rfv", .commonPassword),
        ("ｑｗｅｒｔｙ１２３４５６７８９", .commonPassword),  // fullwidth forms fold under NFKC
        // A listed password stretched past the length rule with digits and symbols.
        ("!!Password2024!!", .commonPassword),
        ("aaaaaaaaaaaaaaa", .repetitive),
        ("passwordpassword", .repetitive),
        ("abcabcabcabcabc", .repetitive),
        ("123456789012345", .repetitive),
        ("ZYXWVUTSRQPONML", .repetitive),
        ("Correct Horse Battery Staple", .matchesUsername),
        ("  correct horse battery staple ", .matchesUsername),
    ]

    @Test("password policy: each rule refused by name when a user is created and when a password is set", arguments: StoreKind.available)
    func passwordPolicy(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let user = try await h.accounts.createUser(username: "Correct Horse Battery Staple", password: "an unremarkable passphrase")
            for (password, rule) in Self.refusedPasswords {
                let created = await expectAuthError(.invalidInput) {
                    try await h.accounts.createUser(username: "correct horse battery staple ", password: password)
                }
                #expect(created?.rule == rule.rawValue && created?.field == "password", "\(password): \(String(describing: created))")
                let changed = await expectAuthError(.invalidInput) { try await h.accounts.setPassword(userID: user.id, password: password) }
                #expect(changed?.rule == rule.rawValue, "\(password): \(String(describing: changed))")
            }
            #expect(try await h.accounts.user(id: user.id) == user)
            // A rename in the same change is the username the password is checked against.
            let renamed = await expectAuthError(.invalidInput) {
                try await h.accounts.update(userID: user.id, .init(username: "a very long username", password: "A Very Long Username"))
            }
            #expect(renamed?.rule == PasswordPolicy.Rule.matchesUsername.rawValue)
            // What passes: 15 code points, long passphrases up to the byte limit, any characters.
            // Eight characters, sixteen code points.
            _ = try await h.accounts.createUser(username: "b", password: "e\u{301}a\u{301}i\u{301}o\u{301}u\u{301}y\u{301}n\u{303}c\u{327}")
            _ = try await h.accounts.createUser(username: "c", password: (0..<36).map { "word\($0)" }.joined(separator: " "))
            _ = try await h.accounts.createUser(username: "d", password: "🔑 ünïcödé and spaces")
        }
    }

    @Test("with password.min_length lowered to 8, the common-password list refuses what length no longer does", arguments: StoreKind.available)
    func commonPasswordsAtMinimumLength(_ kind: StoreKind) async throws {
        try await Harness.with(kind, configure: { $0.minimumPasswordLength = 8 }) { h in
            for password in ["password", "PASSWORD", "Password1", "iloveyou", "trustno1", "ｐａｓｓｗｏｒｄ"] {
                let error = await expectAuthError(.invalidInput) { try await h.accounts.createUser(username: "e", password: password) }
                #expect(error?.rule == PasswordPolicy.Rule.commonPassword.rawValue, "\(password)")
            }
            _ = try await h.accounts.createUser(username: "e", password: "tq7#vLw!")
            let short = await expectAuthError(.invalidInput) { try await h.accounts.createUser(username: "f", password: "seven77") }
            #expect(short?.rule == PasswordPolicy.Rule.minimumLength.rawValue)
        }
    }

    @Test("list is paginated by username", arguments: StoreKind.available)
    func pagination(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            for name in ["d", "a", "c", "b", "e"] { try await h.user(name) }
            let first = try await h.accounts.users(after: nil, limit: 2)
            #expect(first.map(\.username) == ["a", "b"])
            let second = try await h.accounts.users(after: first.last?.username, limit: 2)
            #expect(second.map(\.username) == ["c", "d"])
            #expect(try await h.accounts.users(after: "d", limit: 10).map(\.username) == ["e"])
            await expectAuthError(.invalidInput) { try await h.accounts.users(after: nil, limit: 0) }
        }
    }

    @Test("rename, disable, enable and delete; unknown ids are not found", arguments: StoreKind.available)
    func lifecycle(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let alice = try await h.user("alice")
            try await h.user("bob")
            await expectAuthError(.conflict) { try await h.accounts.rename(userID: alice.id, to: "Bob") }
            #expect(try await h.accounts.rename(userID: alice.id, to: "Alicia").username == "alicia")
            let client = try await h.webClient()
            let pair = try await h.login(client, "alicia")
            #expect(try await h.accounts.setStatus(userID: alice.id, .disabled).status == .disabled)
            await expectAuthError(.invalidGrant) { try await h.login(client, "alicia") }
            await expectAuthError(.invalidToken) { try h.tokens.accessTokens.verify(pair.accessToken) }
            await expectAuthError(.invalidGrant) { try await h.tokens.refresh.grant(client: client, refreshToken: pair.refreshToken!, scope: nil) }
            _ = try await h.accounts.setStatus(userID: alice.id, .active)
            let again = try await h.login(client, "alicia")
            try await h.accounts.deleteUser(id: alice.id)
            await expectAuthError(.invalidToken) { try h.tokens.accessTokens.verify(again.accessToken) }
            await expectAuthError(.notFound) { try await h.accounts.user(id: alice.id) }
            await expectAuthError(.notFound) { try await h.accounts.deleteUser(id: alice.id) }
            await expectAuthError(.notFound) { try await h.accounts.setStatus(userID: "nobody", .disabled) }
        }
    }

    @Test("setting a password ends every other session", arguments: StoreKind.available)
    func setPassword(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let alice = try await h.user()
            let client = try await h.webClient()
            let kept = try await h.login(client)
            let other = try await h.login(client)
            try await h.accounts.setPassword(userID: alice.id, password: "a brand new passphrase", keepSession: kept.sessionID)
            #expect(throws: Never.self) { try h.tokens.accessTokens.verify(kept.accessToken) }
            await expectAuthError(.invalidToken) { try h.tokens.accessTokens.verify(other.accessToken) }
            await expectAuthError(.invalidGrant) { try await h.login(client) }
            _ = try await h.login(client, password: "a brand new passphrase")
        }
    }

    @Test("confidential clients authenticate with their secret in constant time; public clients with none", arguments: StoreKind.available)
    func clients(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let created = try await h.accounts.createClient(
                id: "svc", kind: .confidential, grants: [.clientCredentials], scopes: ["read"], audiences: ["billing"])
            let secret = try #require(created.secret)
            // Stored as lower-case hex SHA-256 of the secret (what a leaked database must not reveal).
            #expect(created.client.secretHash == (try OpaqueSecret.storedHash(of: secret)))
            #expect(try await h.store.transaction { try await $0.client(id: "svc") }?.secretHash == created.client.secretHash)
            #expect(try await h.tokens.clients.authenticate(id: "svc", secret: secret).id == "svc")
            await expectAuthError(.invalidClient) { try await h.tokens.clients.authenticate(id: "svc", secret: secret + "x") }
            await expectAuthError(.invalidClient) { try await h.tokens.clients.authenticate(id: "svc", secret: nil) }
            await expectAuthError(.invalidClient) { try await h.tokens.clients.authenticate(id: "nope", secret: secret) }
            _ = try await h.webClient()
            #expect(try await h.tokens.clients.authenticate(id: "web", secret: nil).kind == .public)
            await expectAuthError(.invalidClient) { try await h.tokens.clients.authenticate(id: "web", secret: "guess") }
            await expectAuthError(.conflict) { try await h.webClient() }
            await expectAuthError(.invalidInput) {
                try await h.accounts.createClient(id: "bad id!", kind: .public, grants: [.password], scopes: [], audiences: [])
            }
            await expectAuthError(.invalidInput) {
                try await h.accounts.createClient(id: "p", kind: .public, grants: [.clientCredentials], scopes: [], audiences: [])
            }
            #expect(try await h.accounts.clients().map(\.id) == ["svc", "web"])
            try await h.accounts.removeClient(id: "svc")
            await expectAuthError(.invalidClient) { try await h.tokens.clients.authenticate(id: "svc", secret: secret) }
            await expectAuthError(.notFound) { try await h.accounts.removeClient(id: "svc") }
        }
    }
}
