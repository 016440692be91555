import TesseraAuth
import TesseraCrypto
import TesseraJWT
import Testing

@Suite("Contract: login and throttling")
struct LoginContractTests {
    @Test("password grant issues an RFC 9068 access token and a refresh token", arguments: StoreKind.available)
    func passwordGrant(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let alice = try await h.user()
            let client = try await h.webClient()
            let pair = try await h.tokens.login.grant(client: client, username: "Alice", password: Harness.password, scope: "read", ip: "192.0.2.1")
            #expect(pair.tokenType == "Bearer" && pair.expiresIn == 900 && pair.scope == "read")
            let claims = try h.tokens.accessTokens.verify(pair.accessToken).claims
            #expect(claims.subject == alice.id && claims.issuer == "https://auth.test" && claims.audience == ["api"])
            #expect(claims.clientID == "web" && claims.scope == "read" && claims.sessionID == pair.sessionID)
            #expect(claims.expiration == h.clock.now + 900 && claims.issuedAt == h.clock.now && claims.jwtID != nil)
            #expect(try h.tokens.accessTokens.verify(pair.accessToken).header["typ"] == .string("at+jwt"))
            #expect(try #require(pair.refreshToken).utf8.count == 43, "256 random bits, base64url")
            #expect(try await h.login(client).scope == "read write", "no scope asked: the client's scopes")
        }
    }

    @Test("unknown user, wrong password and disabled account fail identically", arguments: StoreKind.available)
    func noEnumeration(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let bob = try await h.user("bob")
            _ = try await h.accounts.setStatus(userID: bob.id, .disabled)
            try await h.user("alice")
            let client = try await h.webClient()
            let pool = h.tokens.environment.hashingPool
            try await h.tokens.login.prepare()  // the stand-in hash is made before the first unknown user
            /// The hashing jobs one login attempt costs.
            func hashingJobs(_ attempt: () async -> AuthError?) async -> (AuthError?, Int) {
                let before = pool.jobsAccepted
                let error = await attempt()
                return (error, pool.jobsAccepted - before)
            }
            let (unknown, unknownJobs) = await hashingJobs { await expectAuthError(.invalidGrant) { try await h.login(client, "mallory") } }
            let (wrong, wrongJobs) = await hashingJobs {
                await expectAuthError(.invalidGrant) { try await h.login(client, "alice", password: "not the password") }
            }
            let (disabled, disabledJobs) = await hashingJobs { await expectAuthError(.invalidGrant) { try await h.login(client, "bob") } }
            #expect(unknown?.description == wrong?.description && wrong?.description == disabled?.description)
            #expect([unknownJobs, wrongJobs, disabledJobs] == [1, 1, 1], "the same work whatever the reason")
            let audit = try await h.accounts.auditEvents(limit: 10).filter { $0.kind == .loginFailed }
            #expect(audit.count == 3)
            #expect(!audit.contains { $0.detail.contains(Harness.password) || $0.detail.contains("not the password") })
        }
    }

    @Test(
        "scopes: a request beyond the client's narrows the grant (RFC 6749 §3.3); bad syntax is invalid_scope; grants the client lacks are refused",
        arguments: StoreKind.available)
    func scopesAndGrants(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            let narrowed = try await h.tokens.login.grant(
                client: client, username: "alice", password: Harness.password, scope: "read admin read", ip: "192.0.2.1")
            #expect(narrowed.scope == "read")
            #expect(try h.tokens.accessTokens.verify(narrowed.accessToken).claims.scope == "read")
            let nothing = try await h.tokens.login.grant(client: client, username: "alice", password: Harness.password, scope: "admin", ip: "192.0.2.1")
            #expect(nothing.scope == "")
            #expect(try h.tokens.accessTokens.verify(nothing.accessToken).claims.scope == nil)
            let everything = try await h.tokens.login.grant(client: client, username: "alice", password: Harness.password, scope: nil, ip: "192.0.2.1")
            #expect(everything.scope == "read write")
            await expectAuthError(.invalidScope) {
                try await h.tokens.login.grant(client: client, username: "alice", password: Harness.password, scope: "re\"ad", ip: "192.0.2.1")
            }
            await expectAuthError(.unauthorizedClient) { try h.tokens.clientCredentials.grant(client: client, scope: nil) }
        }
    }

    @Test("a stored hash weaker than the policy is replaced at the next login", arguments: StoreKind.available)
    func rehash(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let alice = try await h.user()
            let weakHash = try PasswordHasherForTests.weak.hash(Harness.password)
            try await h.store.transaction { tx in
                var user = try #require(try await tx.user(id: alice.id))
                user.passwordHash = weakHash
                try await tx.updateUser(user)
            }
            _ = try await h.login(try await h.webClient())
            let stored = try await h.accounts.user(id: alice.id).passwordHash
            #expect(stored != weakHash && stored.hasPrefix("$scrypt$ln=8,r=8,p=1$"))
        }
    }

    @Test("failed logins are throttled per account and IP, without locking the real user out", arguments: StoreKind.available)
    func throttling(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            for _ in 0..<5 { await expectAuthError(.invalidGrant) { try await h.login(client, password: "wrong guess!", ip: "203.0.113.9") } }
            let throttled = await expectAuthError(.throttled) { try await h.login(client, password: "wrong guess!", ip: "203.0.113.9") }
            #expect(throttled?.retryAfter == 1)
            // Even the right password waits from the attacking IP…
            await expectAuthError(.throttled) { try await h.login(client, ip: "203.0.113.9") }
            // …but the real user on their own IP is not locked out.
            _ = try await h.login(client, ip: "198.51.100.7")
            // Waits double, and are bounded.
            h.clock.advance(1)
            await expectAuthError(.invalidGrant) { try await h.login(client, password: "wrong guess!", ip: "203.0.113.9") }
            #expect(await expectAuthError(.throttled) { try await h.login(client, password: "x", ip: "203.0.113.9") }?.retryAfter == 2)
            // After the window, the slate is clean.
            h.clock.advance(Double(h.tokens.policy.throttle.window) + 1)
            _ = try await h.login(client, ip: "203.0.113.9")
            let audit = try await h.accounts.auditEvents(limit: 50)
            #expect(audit.contains { $0.kind == .loginThrottled && $0.ip == "203.0.113.9" })
        }
    }

    @Test("20 concurrent wrong attempts for one user and address: exactly the 5 free ones check a password", arguments: StoreKind.available)
    func concurrentAttemptsAreAdmittedAtomically(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            let pool = h.tokens.environment.hashingPool
            let before = pool.jobsAccepted
            let codes = await withTaskGroup(of: AuthError.Code?.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do {
                            _ = try await h.login(client, password: "wrong guess!", ip: "203.0.113.50")
                            return nil
                        } catch let error as AuthError {
                            return error.code
                        } catch {
                            return nil
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(pool.jobsAccepted - before == 5, "password checks run")
            #expect(codes.filter { $0 == .invalidGrant }.count == 5 && codes.filter { $0 == .throttled }.count == 15, "\(codes)")
            // The throttled ones were counted, and audited once.
            #expect(try await h.accounts.auditEvents(limit: 50).filter { $0.kind == .loginThrottled }.count == 1)
        }
    }

    @Test("an attack from 20 addresses cannot lock the owner out of an address they logged in from before", arguments: StoreKind.available)
    func noLockoutFromManyAddresses(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            _ = try await h.login(client, ip: "192.0.2.10")  // the owner, at home, last week
            h.clock.advance(7 * 86400)
            for attacker in 0..<20 {
                for _ in 0..<5 { _ = try? await h.login(client, password: "wrong guess!", ip: "198.51.100.\(attacker)") }
            }
            // Past the account-wide 50 failures (the later attackers are throttled too). A new
            // address waits; the owner's does not.
            await expectAuthError(.throttled) { try await h.login(client, ip: "203.0.113.77") }
            _ = try await h.login(client, ip: "192.0.2.10")
            // …and a known source forgotten after knownSourceLifetime is a stranger again.
            h.clock.advance(31 * 86400)
            try await h.tokens.login.pruneAttempts()
            for attacker in 0..<20 {
                for _ in 0..<5 { _ = try? await h.login(client, password: "wrong guess!", ip: "198.51.100.\(attacker)") }
            }
            await expectAuthError(.throttled) { try await h.login(client, ip: "192.0.2.10") }
        }
    }

    @Test("an IPv6 client is one source across its /64: rotating addresses in it gains no attempts", arguments: StoreKind.available)
    func ipv6Grouping(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            try await h.user()
            let client = try await h.webClient()
            for host in 1...5 { await expectAuthError(.invalidGrant) { try await h.login(client, password: "wrong guess!", ip: "2001:db8:7:8::\(host)") } }
            await expectAuthError(.throttled) { try await h.login(client, password: "wrong guess!", ip: "2001:db8:7:8:ffff::6") }
            // The next /64 is another source; the audit keeps each full address.
            await expectAuthError(.invalidGrant) { try await h.login(client, password: "wrong guess!", ip: "2001:db8:7:9::1") }
            #expect(try await h.accounts.auditEvents(limit: 20).contains { $0.ip == "2001:db8:7:8::3" })
        }
    }

    @Test("throttling waits double up to the 15-minute cap, and throttled attempts are not counted", arguments: StoreKind.available)
    func throttleCap(_ kind: StoreKind) async throws {
        try await Harness.with(
            kind,
            configure: {
                $0.throttle.freeAttemptsPerPair = 1
                $0.throttle.window = 100_000
            }
        ) { h in
            try await h.user()
            let client = try await h.webClient()
            await expectAuthError(.invalidGrant) { try await h.login(client, password: "wrong guess!", ip: "203.0.113.9") }
            var waits: [Int] = []
            for _ in 0..<12 {
                let error = await expectAuthError(.throttled) { try await h.login(client, password: "wrong guess!", ip: "203.0.113.9") }
                let wait = try #require(error?.retryAfter)
                waits.append(wait)
                // Hammering while throttled changes nothing: these attempts are not counted.
                for _ in 0..<3 { await expectAuthError(.throttled) { try await h.login(client, password: "wrong guess!", ip: "203.0.113.9") } }
                h.clock.advance(Double(wait))
                await expectAuthError(.invalidGrant) { try await h.login(client, password: "wrong guess!", ip: "203.0.113.9") }
            }
            #expect(waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900])
            let failures = try await h.store.transaction { try await $0.loginFailures(username: "alice", ip: "203.0.113.9", since: 0, afterLastSuccess: false) }
            #expect(failures.count == 13, "one failure per real attempt, none for throttled ones")
        }
    }

    @Test("an account seen failing from many addresses is throttled for all of them (per-account limit)", arguments: StoreKind.available)
    func perAccountLimit(_ kind: StoreKind) async throws {
        try await Harness.with(kind, configure: { $0.throttle.freeAttemptsPerAccount = 3 }) { h in
            try await h.user()
            let client = try await h.webClient()
            for ip in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
                await expectAuthError(.invalidGrant) { try await h.login(client, password: "wrong guess!", ip: ip) }
            }
            await expectAuthError(.throttled) { try await h.login(client, ip: "198.51.100.7") }
            h.clock.advance(1)
            _ = try await h.login(client, ip: "198.51.100.7")
        }
    }

    @Test("one address failing for many accounts is throttled for all of them (per-IP limit)", arguments: StoreKind.available)
    func perIPLimit(_ kind: StoreKind) async throws {
        try await Harness.with(kind, configure: { $0.throttle.freeAttemptsPerIP = 3 }) { h in
            for name in ["alice", "bob", "carol", "dave"] { try await h.user(name) }
            let client = try await h.webClient()
            for name in ["alice", "bob", "carol"] {
                await expectAuthError(.invalidGrant) { try await h.login(client, name, password: "wrong guess!", ip: "203.0.113.5") }
            }
            await expectAuthError(.throttled) { try await h.login(client, "dave", ip: "203.0.113.5") }
            _ = try await h.login(client, "dave", ip: "198.51.100.7")
        }
    }

    @Test("pruning deletes login attempts older than the throttle window, and only those", arguments: StoreKind.available)
    func pruning(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            let client = try await h.webClient()
            await expectAuthError(.invalidGrant) { try await h.login(client, "old", ip: "203.0.113.7") }
            h.clock.advance(Double(h.tokens.policy.throttle.window) + 1)
            await expectAuthError(.invalidGrant) { try await h.login(client, "new", ip: "203.0.113.7") }
            try await h.tokens.login.pruneAttempts()
            let remaining = try await h.store.transaction { try await $0.loginFailures(username: nil, ip: "203.0.113.7", since: 0, afterLastSuccess: false) }
            #expect(remaining.count == 1)
        }
    }

    @Test("unknown usernames count towards the IP's throttle", arguments: StoreKind.available)
    func unknownUsersThrottled(_ kind: StoreKind) async throws {
        try await Harness.with(kind, configure: { $0.throttle.freeAttemptsPerIP = 3 }) { h in
            let client = try await h.webClient()
            for name in ["u1", "u2", "u3"] { await expectAuthError(.invalidGrant) { try await h.login(client, name, ip: "203.0.113.5") } }
            await expectAuthError(.throttled) { try await h.login(client, "u4", ip: "203.0.113.5") }
        }
    }
}

enum PasswordHasherForTests {
    static let weak = PasswordHasher(scheme: .pbkdf2SHA256, pbkdf2Rounds: 1000)
}
