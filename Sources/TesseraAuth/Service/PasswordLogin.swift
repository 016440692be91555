import Metrics
import Synchronization
import TesseraCrypto
import TesseraJWT

/// The resource owner password credentials grant (RFC 6749 §4.3) with login throttling and
/// transparent rehashing. Unknown user, wrong password and disabled account give the same error
/// after the same work: an unknown user is checked against a stand-in hash.
public final class PasswordLogin: Sendable {
    let environment: AuthEnvironment
    let sessions: SessionService
    let accessTokens: AccessTokens
    private let outcomes = LoginCounters()
    /// A real hash of a random password, verified when the username is unknown so that unknown
    /// users cost exactly what known ones do. Made by `prepare()` or on first use.
    private let standIn = Mutex<String?>(nil)

    init(environment: AuthEnvironment, sessions: SessionService, accessTokens: AccessTokens) {
        self.environment = environment
        self.sessions = sessions
        self.accessTokens = accessTokens
    }

    /// Computes the stand-in hash now, so that the first unknown-user login costs no more than
    /// any other. Servers call this at start-up.
    public func prepare() async throws { _ = try await standInHash() }

    private func standInHash() async throws -> String {
        if let hash = standIn.withLock({ $0 }) { return hash }
        let hash = try await environment.hash(Base64URL.encode(SecureRandom.bytes(count: 24)))
        standIn.withLock { $0 = $0 ?? hash }
        return hash
    }

    /// Tokens for the user `rawUsername` if `password` is theirs; with `withCookie`, also a
    /// browser session cookie's secret.
    public func grant(
        client: OAuthClient, username rawUsername: String, password: String, scope: String?, ip: String,
        withCookie: Bool = false
    ) async throws -> TokenResponse {
        try client.requireGrant(.password)
        let requested = try scope.map(Scope.parse)
        let login = try await check(client: client, username: rawUsername, password: password, ip: ip)
        let user = login.user
        let now = environment.now
        let (started, scopes) = try await environment.store.transaction { tx in
            // The user and client as they are now, their rows locked: a role revoked, a user
            // deleted or a client removed meanwhile either waits for this session or prevents it.
            let (current, client) = try await lockForSession(tx, login, client: client)
            let policy = environment.policy.scopes
            let scopes = policy.issued(requested: requested, clientScopes: policy.grantable(by: client), roles: current.roles)
            let started = try await sessions.start(tx, user: user, client: client, scope: scopes.joined(separator: " "), now: now, withCookie: withCookie)
            try await recordSuccess(tx, login, client: client, session: started.session, now: now)
            return (started, scopes)
        }
        var response = try accessTokens.response(
            user: user, client: client, scopes: scopes, session: started.session,
            refreshToken: started.refreshToken, now: now)
        response.cookieSecret = started.cookieSecret
        return response
    }

    /// A password login that passed: the user and the reserved attempt to mark succeeded.
    struct CheckedLogin: Sendable {
        let user: User
        let attempt: Int64
        let username: String
        let source: String
        let ip: String
    }

    /// The user whose password this is, through every rule a login follows: throttling per
    /// source, username and pair, the same error and work for an unknown user, a wrong
    /// password and a disabled account (audited apart), and rehashing a weaker hash. The
    /// attempt stays reserved as a failure until `recordSuccess` marks it.
    func check(client: OAuthClient, username rawUsername: String, password: String, ip: String) async throws -> CheckedLogin {
        let store = environment.store
        let username = (try? Username.canonical(rawUsername)) ?? ""
        let now = environment.now
        // Attempts count per address group (an IPv6 /64); audit records keep the address.
        let source = IPAddress.limitKey(for: ip)
        let attempt = try await admit(username: username, source: source, now: now, audit: (client.id, ip))
        let user = username.isEmpty ? nil : try await store.read { try await $0.user(username: username) }
        let storedHash: String
        if let user { storedHash = user.passwordHash } else { storedHash = try await standInHash() }
        let hasher = environment.hasher
        let matches: Bool
        do {
            matches = try await environment.hashingPool.run { (try? hasher.verify(password, against: storedHash)) ?? false }
        } catch {
            // No password was checked (the hashing queue was full): the attempt does not count.
            try? await store.transaction { try await $0.releaseLoginAttempt(id: attempt) }
            throw error
        }
        guard let user, matches, user.status == .active else {
            try await store.transaction { tx in
                try await tx.insertAuditEvent(
                    AuditEvent(
                        at: now, kind: .loginFailed, userID: user?.id, clientID: client.id, ip: ip,
                        detail: user == nil ? "unknown user" : (matches ? "account disabled" : "wrong password")))
            }
            outcomes.failure.increment()
            throw AuthError.invalidGrant("invalid username or password")
        }
        outcomes.success.increment()
        try await rehashIfWeaker(user, password: password)
        return CheckedLogin(user: user, attempt: attempt, username: username, source: source, ip: ip)
    }

    /// The user (still active) and the client (still registered) of a checked login, their rows
    /// locked until `tx` ends, so that a role revoked, a user deleted or a client removed
    /// meanwhile either waits for the session being started or prevents it.
    func lockForSession(_ tx: any AuthTransaction, _ login: CheckedLogin, client: OAuthClient) async throws -> (User, OAuthClient) {
        guard let current = try await tx.user(id: login.user.id, forUpdate: true), current.status == .active else {
            throw AuthError.invalidGrant("invalid username or password")
        }
        guard let client = try await tx.client(id: client.id, lock: .shared) else { throw AuthError.invalidClient("client removed") }
        return (current, client)
    }

    /// Marks a checked login's attempt succeeded, remembers its source, and audits the session it started.
    func recordSuccess(_ tx: any AuthTransaction, _ login: CheckedLogin, client: OAuthClient, session: Session, now: Int64) async throws {
        try await tx.markLoginAttemptSucceeded(id: login.attempt)
        try await tx.rememberLoginSource(username: login.username, ip: login.source, at: now)
        try await tx.insertAuditEvent(
            AuditEvent(at: now, kind: .loginSucceeded, userID: login.user.id, clientID: client.id, ip: login.ip, detail: "session \(session.id.prefix(8))"))
    }

    /// Deletes login attempts too old to count for throttling, and login sources not seen for
    /// longer than they are remembered, so the tables stay small.
    public func pruneAttempts() async throws {
        let rules = environment.policy.throttle
        let now = environment.now
        try await environment.store.transaction {
            try await $0.pruneLoginAttempts(before: now - rules.window, sourcesBefore: now - rules.knownSourceLifetime)
        }
    }

    /// Decides whether this attempt may check a password and, if so, reserves it: recorded as a
    /// failure until it succeeds. Decision and reservation are one transaction, serialised per
    /// username, so concurrent attempts cannot all pass a check meant to let a few through. A
    /// throttled attempt increments a counter; only the first of a run is audited (`audit`:
    /// the client and the full address).
    private func admit(username: String, source: String, now: Int64, audit: (clientID: String, ip: String)) async throws -> Int64 {
        let admission: Admission = try await environment.store.transaction { tx in
            try await tx.lockLoginThrottle(username: username, source: source)
            let wait = try await throttleWait(tx, username: username, ip: source, now: now)
            guard wait == 0 else {
                if try await tx.countThrottledLogin(username: username, ip: source, at: now) == 1 {
                    try await tx.insertAuditEvent(
                        AuditEvent(at: now, kind: .loginThrottled, clientID: audit.clientID, ip: audit.ip, detail: "retry after \(wait)s; further ones counted")
                    )
                }
                return .throttled(wait)
            }
            return .reserved(try await tx.reserveLoginAttempt(username: username, ip: source, at: now))
        }
        switch admission {
        case let .reserved(id):
            return id
        case let .throttled(wait):
            outcomes.throttled.increment()
            throw AuthError(.throttled, "too many failed logins", retryAfter: Int(wait))
        }
    }

    private enum Admission {
        case reserved(Int64)
        case throttled(Int64)
    }

    private func rehashIfWeaker(_ user: User, password: String) async throws {
        guard environment.hasher.needsRehash(user.passwordHash) else { return }
        let newHash = try await environment.hash(password)
        let now = environment.now
        try await environment.store.transaction { tx in
            // Only if the password was not changed meanwhile; locked, so no concurrent change of
            // roles or status is written over.
            guard var current = try await tx.user(id: user.id, forUpdate: true), current.passwordHash == user.passwordHash else { return }
            current.passwordHash = newHash
            current.updatedAt = now
            try await tx.updateUser(current)
        }
    }

    /// The longest of the three waits. A source the account logged in from successfully before
    /// (within `knownSourceLifetime`) is exempt from the account-wide one: failures from
    /// elsewhere, however many addresses they come from, never lock the owner out of their
    /// usual place.
    private func throttleWait(_ tx: any AuthTransaction, username: String, ip: String, now: Int64) async throws -> Int64 {
        let rules = environment.policy.throttle
        let since = now - rules.window
        let pair = try await tx.loginFailures(username: username, ip: ip, since: since, afterLastSuccess: true)
        let perIP = try await tx.loginFailures(username: nil, ip: ip, since: since, afterLastSuccess: false)
        var wait = max(
            rules.wait(failures: pair.count, latest: pair.latest, free: rules.freeAttemptsPerPair, now: now),
            rules.wait(failures: perIP.count, latest: perIP.latest, free: rules.freeAttemptsPerIP, now: now))
        if try await !tx.isKnownLoginSource(username: username, ip: ip, since: now - rules.knownSourceLifetime) {
            let perAccount = try await tx.loginFailures(username: username, ip: nil, since: since, afterLastSuccess: true)
            wait = max(wait, rules.wait(failures: perAccount.count, latest: perAccount.latest, free: rules.freeAttemptsPerAccount, now: now))
        }
        return wait
    }
}

/// `tessera_logins_total` by result, made once (metric handles are looked up by label).
struct LoginCounters: Sendable {
    let success = Counter(label: "tessera_logins_total", dimensions: [("result", "success")])
    let failure = Counter(label: "tessera_logins_total", dimensions: [("result", "failure")])
    let throttled = Counter(label: "tessera_logins_total", dimensions: [("result", "throttled")])
}

extension OAuthClient {
    /// Throws `unauthorized_client` unless the client is registered for `grant`.
    func requireGrant(_ grant: GrantType) throws {
        guard grants.contains(grant) else { throw AuthError(.unauthorizedClient, "client may not use \(grant.rawValue)") }
    }
}
