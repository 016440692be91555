import Foundation
import Metrics
import Synchronization
import TesseraCrypto
import TesseraJWT

/// The OAuth 2.0 token service: password, refresh_token and client_credentials grants,
/// revocation (RFC 7009), introspection (RFC 7662), logout, and access-token verification against
/// the in-memory revocation view. Every state change is one store transaction.
public final class TokenService: Sendable {
    /// The store behind the service.
    public let store: any AuthStore
    /// The rules this service applies.
    public let policy: AuthPolicy
    let hasher: PasswordHasher
    let hashingPool: PasswordHashingPool
    let signer: JWTSigner
    let verifier: JWTVerifier
    /// Sessions known to be revoked; checked on every access-token verification.
    public let revokedSessions: RevokedSessions
    let clock: JWTClock
    /// A real hash of a random password, verified when the username is unknown so that unknown
    /// users cost exactly what known ones do. Made on first use (it costs one full hash).
    private let dummy = Mutex<String?>(nil)

    /// A token service over `store`, signing with `keyRing`.
    public init(
        store: any AuthStore, keyRing: JWTKeyRing, policy: AuthPolicy, hasher: PasswordHasher,
        hashingPool: PasswordHashingPool = PasswordHashingPool(), clock: JWTClock = .system,
        revokedSessions: RevokedSessions = RevokedSessions()
    ) throws {
        self.store = store
        self.policy = policy
        self.hasher = hasher
        self.hashingPool = hashingPool
        self.clock = clock
        self.revokedSessions = revokedSessions
        signer = JWTSigner(keyRing: keyRing, type: policy.accessTokenType)
        var options = JWTValidationOptions()
        options.issuer = policy.issuer
        options.expectedType = policy.accessTokenType
        options.leeway = Double(policy.leeway)
        options.maximumTokenBytes = policy.maximumTokenBytes
        options.clock = clock
        verifier = JWTVerifier(keyRing: keyRing, options: options)
    }

    /// The JWK Set to publish: always empty, since HMAC keys are secret.
    public var publicJWKS: JSONObject { signer.keyRing.publicJWKS }

    /// Computes the stand-in hash now, so that the first unknown-user login costs no more than
    /// any other. Servers call this at start-up.
    public func prepare() async throws { _ = try await dummyHash() }

    private func dummyHash() async throws -> String {
        if let hash = dummy.withLock({ $0 }) { return hash }
        let hasher = self.hasher
        let hash = try await hashingPool.run { try hasher.hash(Base64URL.encode(SecureRandom.bytes(count: 24))) }
        dummy.withLock { $0 = $0 ?? hash }
        return hash
    }

    var now: Int64 { Int64(clock.now) }

    // MARK: Client authentication

    /// The client, authenticated: confidential clients must present their secret (compared in
    /// constant time); public clients must not.
    public func authenticateClient(id: String, secret: String?) async throws -> OAuthClient {
        let client = try await store.transaction { try await $0.client(id: id) }
        guard let client else { throw AuthError.invalidClient("unknown client") }
        switch (client.kind, secret, client.secretHash) {
        case (.public, nil, _):
            return client
        case let (.confidential, secret?, expected?):
            let presented = try Self.secretHash(secret)
            guard ConstantTime.equals(Array(presented.utf8), Array(expected.utf8)) else {
                throw AuthError.invalidClient("wrong client secret")
            }
            return client
        case (.public, _?, _):
            throw AuthError.invalidClient("public clients have no secret")
        default:
            throw AuthError.invalidClient("client secret required")
        }
    }

    // MARK: Grants

    /// The resource owner password credentials grant (RFC 6749 §4.3). Unknown user, wrong
    /// password and disabled account give the same error after the same work.
    public func passwordGrant(client: OAuthClient, username rawUsername: String, password: String, scope: String?, ip: String,
                              withCookie: Bool = false) async throws -> TokenResponse {
        try requireGrant(.password, client)
        let scopes = try Scope.resolve(requested: scope, allowed: client.scopes)
        let username = (try? Username.canonical(rawUsername)) ?? ""
        let now = self.now
        let wait = try await throttleWait(username: username, ip: ip, now: now)
        if wait > 0 {
            try await store.transaction {
                try await $0.insertAuditEvent(AuditEvent(at: now, kind: .loginThrottled, clientID: client.id, ip: ip, detail: "retry after \(wait)s"))
            }
            Counter(label: "tessera_logins_total", dimensions: [("result", "throttled")]).increment()
            throw AuthError(.throttled, "too many failed logins", retryAfter: Int(wait))
        }
        let user = username.isEmpty ? nil : try await store.transaction { try await $0.user(username: username) }
        let storedHash: String
        if let user { storedHash = user.passwordHash } else { storedHash = try await dummyHash() }
        let hasher = self.hasher
        let matches = try await hashingPool.run { (try? hasher.verify(password, against: storedHash)) ?? false }
        guard let user, matches, user.status == .active else {
            try await store.transaction { tx in
                try await tx.recordLoginAttempt(username: username, ip: ip, at: now, succeeded: false)
                try await tx.insertAuditEvent(AuditEvent(at: now, kind: .loginFailed, userID: user?.id, clientID: client.id, ip: ip,
                                                         detail: user == nil ? "unknown user" : (matches ? "account disabled" : "wrong password")))
            }
            Counter(label: "tessera_logins_total", dimensions: [("result", "failure")]).increment()
            throw AuthError.invalidGrant("invalid username or password")
        }
        Counter(label: "tessera_logins_total", dimensions: [("result", "success")]).increment()
        try await rehashIfWeaker(user, password: password)
        let issued = try await store.transaction { tx in
            try await tx.recordLoginAttempt(username: username, ip: ip, at: now, succeeded: true)
            let issued = try await self.startSession(tx, user: user, client: client, scope: scopes.joined(separator: " "), now: now, withCookie: withCookie)
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .loginSucceeded, userID: user.id, clientID: client.id, ip: ip, detail: "session \(issued.session.id.prefix(8))"))
            return issued
        }
        var response = try tokenResponse(user: user, client: client, scopes: scopes, session: issued.session, refreshToken: issued.refreshToken, now: now)
        response.cookieSecret = issued.cookieSecret
        return response
    }

    /// The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14).
    public func refreshGrant(client: OAuthClient, refreshToken: String, scope: String?) async throws -> TokenResponse {
        try requireGrant(.refreshToken, client)
        let hash = try Self.secretHash(refreshToken)
        let now = self.now
        let outcome = try await store.transaction { tx in try await self.rotate(tx, hash: hash, client: client, requestedScope: scope, now: now) }
        switch outcome {
        case let .rotated(user, session, newToken, scopes):
            Counter(label: "tessera_refreshes_total", dimensions: [("result", "rotated")]).increment()
            return try tokenResponse(user: user, client: client, scopes: scopes, session: session, refreshToken: newToken, now: now)
        case let .reuseDetected(session):
            Counter(label: "tessera_refresh_reuse_detected_total").increment()
            revokedSessions.insert(session.id, absoluteExpiresAt: session.absoluteExpiresAt)
            throw AuthError.invalidGrant("refresh token reuse detected; the session is revoked")
        case let .rejected(reason):
            Counter(label: "tessera_refreshes_total", dimensions: [("result", "rejected")]).increment()
            throw AuthError.invalidGrant(reason)
        }
    }

    /// The client credentials grant (RFC 6749 §4.4): an access token for the client itself.
    public func clientCredentialsGrant(client: OAuthClient, scope: String?) async throws -> TokenResponse {
        try requireGrant(.clientCredentials, client)
        guard client.kind == .confidential else { throw AuthError(.unauthorizedClient, "client_credentials needs a confidential client") }
        let scopes = try Scope.resolve(requested: scope, allowed: client.scopes)
        let now = self.now
        let token = try signAccessToken(subject: client.id, client: client, scopes: scopes, sessionID: nil, now: now)
        return TokenResponse(accessToken: token, expiresIn: policy.accessTokenTTL, refreshToken: nil, scope: scopes.joined(separator: " "))
    }

    private func requireGrant(_ grant: GrantType, _ client: OAuthClient) throws {
        guard client.grants.contains(grant) else { throw AuthError(.unauthorizedClient, "client may not use \(grant.rawValue)") }
    }

    // MARK: Sessions and refresh tokens

    struct IssuedSession: Sendable {
        let session: Session
        let refreshToken: String
        let cookieSecret: String?
    }

    private func startSession(_ tx: any AuthTransaction, user: User, client: OAuthClient, scope: String, now: Int64, withCookie: Bool) async throws -> IssuedSession {
        let cookieSecret = withCookie ? Base64URL.encode(try SecureRandom.bytes(count: 32)) : nil
        let session = Session(
            id: Base64URL.encode(try SecureRandom.bytes(count: 32)), userID: user.id, clientID: client.id,
            createdAt: now, lastSeenAt: now,
            idleExpiresAt: min(now + policy.sessionIdleTimeout, now + policy.sessionAbsoluteTimeout),
            absoluteExpiresAt: now + policy.sessionAbsoluteTimeout, revokedAt: nil, cookieHash: try cookieSecret.map(Self.secretHash))
        try await tx.insertSession(session)
        let token = try await issueRefreshToken(tx, family: Base64URL.encode(try SecureRandom.bytes(count: 16)), session: session,
                                                clientID: client.id, parent: nil, scope: scope, now: now)
        return IssuedSession(session: session, refreshToken: token, cookieSecret: cookieSecret)
    }

    private func issueRefreshToken(_ tx: any AuthTransaction, family: String, session: Session, clientID: String,
                                   parent: String?, scope: String, now: Int64) async throws -> String {
        var secret = try SecureRandom.bytes(count: 32)
        defer { ConstantTime.wipe(&secret) }
        let token = Base64URL.encode(secret)
        try await tx.insertRefreshToken(RefreshTokenRecord(
            hash: try Self.secretHash(token), familyID: family, sessionID: session.id,
            clientID: clientID, parentHash: parent, scope: scope, issuedAt: now,
            expiresAt: min(now + policy.refreshTokenTTL, session.absoluteExpiresAt), spentAt: nil, revokedAt: nil))
        return token
    }

    enum RotationOutcome: Sendable {
        case rotated(User, Session, String, [String])
        case reuseDetected(Session)
        case rejected(String)
    }

    /// One refresh, inside one transaction. A reuse outcome commits the family and session
    /// revocation before the caller reports the error.
    private func rotate(_ tx: any AuthTransaction, hash: String, client: OAuthClient, requestedScope: String?, now: Int64) async throws -> RotationOutcome {
        guard let (found, lockedSession, owner) = try await tx.refreshTokenForRotation(hash: hash) else { return .rejected("unknown refresh token") }
        var record = found, session = lockedSession
        guard record.clientID == client.id else { return .rejected("refresh token was issued to another client") }
        guard record.revokedAt == nil else { return .rejected("refresh token revoked") }
        if let spentAt = record.spentAt {
            guard policy.refreshReuseGrace > 0, now - spentAt <= policy.refreshReuseGrace, session.isActive(at: now) else {
                try await tx.revokeRefreshFamily(record.familyID, at: now)
                if session.revokedAt == nil {
                    session.revokedAt = now
                    try await tx.updateSession(session)
                }
                try await tx.insertAuditEvent(AuditEvent(at: now, kind: .refreshReuseDetected, userID: session.userID, clientID: client.id,
                                                         detail: "family \(record.familyID) and session \(session.id.prefix(8)) revoked"))
                return .reuseDetected(session)
            }
            // A retry inside the grace window: the token issued for the first try is revoked and
            // replaced, so the family still has exactly one live token.
            try await tx.revokeRefreshFamily(record.familyID, at: now)
        }
        guard now < record.expiresAt else { return .rejected("refresh token expired") }
        guard session.isActive(at: now) else { return .rejected("session ended") }
        guard let user = owner, user.status == .active else { return .rejected("user gone or disabled") }
        let granted = record.scope.split(separator: " ").map(String.init)
        let scopes: [String]
        do {
            scopes = try Scope.resolve(requested: requestedScope, allowed: granted)
        } catch {
            return .rejected("scope exceeds the original grant")
        }
        if record.spentAt == nil {
            record.spentAt = now
            try await tx.updateRefreshToken(record)
        }
        session.lastSeenAt = now
        session.idleExpiresAt = min(now + policy.sessionIdleTimeout, session.absoluteExpiresAt)
        try await tx.updateSession(session)
        let token = try await issueRefreshToken(tx, family: record.familyID, session: session, clientID: client.id,
                                                parent: record.hash, scope: scopes.joined(separator: " "), now: now)
        return .rotated(user, session, token, scopes)
    }

    private func rehashIfWeaker(_ user: User, password: String) async throws {
        guard hasher.needsRehash(user.passwordHash) else { return }
        let hasher = self.hasher
        let newHash = try await hashingPool.run { try hasher.hash(password) }
        let now = self.now
        try await store.transaction { tx in
            // Only if the password was not changed meanwhile.
            guard var current = try await tx.user(id: user.id), current.passwordHash == user.passwordHash else { return }
            current.passwordHash = newHash
            current.updatedAt = now
            try await tx.updateUser(current)
        }
    }

    private func throttleWait(username: String, ip: String, now: Int64) async throws -> Int64 {
        let rules = policy.throttle
        let since = now - rules.window
        return try await store.transaction { tx in
            let pair = try await tx.loginFailures(username: username, ip: ip, since: since, afterLastSuccess: true)
            let perIP = try await tx.loginFailures(username: nil, ip: ip, since: since, afterLastSuccess: false)
            let perAccount = try await tx.loginFailures(username: username, ip: nil, since: since, afterLastSuccess: true)
            return max(
                rules.wait(failures: pair.count, latest: pair.latest, free: rules.freeAttemptsPerPair, now: now),
                rules.wait(failures: perIP.count, latest: perIP.latest, free: rules.freeAttemptsPerIP, now: now),
                rules.wait(failures: perAccount.count, latest: perAccount.latest, free: rules.freeAttemptsPerAccount, now: now))
        }
    }

    // MARK: Access tokens

    func tokenResponse(user: User, client: OAuthClient, scopes: [String], session: Session, refreshToken: String, now: Int64) throws -> TokenResponse {
        let token = try signAccessToken(subject: user.id, client: client, scopes: scopes, sessionID: session.id, now: now)
        return TokenResponse(accessToken: token, expiresIn: policy.accessTokenTTL, refreshToken: refreshToken,
                             scope: scopes.joined(separator: " "), sessionID: session.id, userID: user.id)
    }

    /// An RFC 9068 access token.
    func signAccessToken(subject: String, client: OAuthClient, scopes: [String], sessionID: String?, now: Int64) throws -> String {
        let audiences = client.audiences.isEmpty ? policy.defaultAudiences : client.audiences
        var claims = JWTClaims()
        claims["iss"] = .string(policy.issuer)
        claims["sub"] = .string(subject)
        claims["aud"] = audiences.count == 1 ? .string(audiences[0]) : .array(audiences.map(JSONValue.string))
        claims["exp"] = .int(Int(now + policy.accessTokenTTL))
        claims["iat"] = .int(Int(now))
        claims["jti"] = .string(Base64URL.encode(try SecureRandom.bytes(count: 16)))
        claims["client_id"] = .string(client.id)
        if !scopes.isEmpty { claims["scope"] = .string(scopes.joined(separator: " ")) }
        if let sessionID { claims["sid"] = .string(sessionID) }
        return try signer.sign(claims)
    }

    /// Verifies an access token: signature and claims (audience one of `audiences`, by default
    /// the policy's default audiences), then its session against the in-memory revocation view.
    /// No store access: this is the hot path.
    public func verifyAccessToken(_ token: String, audiences: Set<String>? = nil) throws -> VerifiedJWT {
        try verifyAccessToken(token, audiences: audiences, checkingAudience: true)
    }

    func verifyAccessToken(_ token: String, audiences: Set<String>?, checkingAudience: Bool) throws -> VerifiedJWT {
        var verifier = self.verifier
        verifier.options.audiences = audiences ?? Set(policy.defaultAudiences)
        verifier.options.checksAudience = checkingAudience
        let verified: VerifiedJWT
        do {
            verified = try verifier.verify(token)
        } catch let error as JWTError {
            throw AuthError(.invalidToken, error.description)
        }
        if let sid = verified.claims.sessionID, revokedSessions.contains(sid) {
            throw AuthError(.invalidToken, "session revoked")
        }
        return verified
    }

    /// SHA-256 (hex) of a token or secret: what the store keeps instead of it.
    static func secretHash(_ secret: String) throws -> String {
        hex(try HashFunction.sha256.hash(Array(secret.utf8)))
    }

    /// The active session a browser cookie names, its idle expiry pushed forward; nil for an
    /// unknown, ended or malformed cookie (which callers simply ignore).
    public func session(cookie secret: String) async throws -> Session? {
        guard secret.utf8.count == 43 else { return nil }
        let hash = try Self.secretHash(secret)
        let now = self.now
        return try await store.transaction { tx in
            guard var session = try await tx.session(cookieHash: hash), session.isActive(at: now) else { return nil }
            session.lastSeenAt = now
            session.idleExpiresAt = min(now + self.policy.sessionIdleTimeout, session.absoluteExpiresAt)
            try await tx.updateSession(session)
            return session
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
