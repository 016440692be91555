import Synchronization
import TesseraCrypto
import TesseraJWT

/// RFC 9068 access tokens: signing them for a grant, and verifying them (signature, claims,
/// then the session against the in-memory revocation view) without touching the store.
public struct AccessTokens: Sendable {
    let policy: AuthPolicy
    /// The signer and verifier over the current key ring, replaced whole by `reload`.
    private let keys: CurrentKeys
    let revokedSessions: RevokedSessions
    let clock: JWTClock
    /// Verifications per kid.
    public let keyUsage: KeyUsage

    init(environment: AuthEnvironment, keyRing: JWTKeyRing, revokedSessions: RevokedSessions) {
        let policy = environment.policy
        self.policy = policy
        clock = environment.clock
        self.revokedSessions = revokedSessions
        keyUsage = KeyUsage()
        keys = CurrentKeys(Self.keys(keyRing, policy: policy, clock: environment.clock))
    }

    private static func keys(_ ring: JWTKeyRing, policy: AuthPolicy, clock: JWTClock) -> Keys {
        var options = JWTValidationOptions()
        options.issuer = policy.issuer
        options.expectedType = policy.accessTokenType
        options.leeway = Double(policy.leeway)
        options.maximumTokenBytes = policy.maximumTokenBytes
        options.clock = clock
        options.maximumAccessTokenLifetime = Double(policy.maximumAccessTokenLifetime)
        // An ID token hint is read back after it expires (OpenID Connect RP-Initiated Logout §2);
        // its `typ` keeps access tokens out.
        var hint = options
        hint.expectedType = Self.idTokenType
        hint.maximumAccessTokenLifetime = nil
        hint.checksAudience = false
        hint.acceptsExpired = true
        let asymmetric = ring.signingKey.map { !$0.algorithm.isSymmetric } ?? false
        return Keys(
            signer: JWTSigner(keyRing: ring, type: policy.accessTokenType), verifier: JWTVerifier(keyRing: ring, options: options),
            published: PublishedKeys(ring), idTokenSigner: asymmetric ? JWTSigner(keyRing: ring, type: Self.idTokenType) : nil,
            idTokenHintVerifier: JWTVerifier(keyRing: ring, options: hint))
    }

    /// The `typ` of ID tokens: plain JWTs, so an access token (`at+jwt`) is never read as one.
    static let idTokenType = "JWT"

    /// The algorithm ID tokens are signed with: the active key's, while it is asymmetric. Nil
    /// while an HMAC key signs: an ID token is never signed with a shared secret.
    public var idTokenAlgorithm: JWTAlgorithm? { keys.value.withLock { $0.idTokenSigner?.keyRing.signingKey?.algorithm } }

    /// Whether a grant of `scopes` can be answered: `openid` needs an ID token, and so an
    /// asymmetric active key.
    func canIssue(_ scopes: [String]) -> Bool {
        !scopes.contains(AuthorizationCodeFlow.openIDScope) || idTokenAlgorithm != nil
    }

    /// An ID token of `claims` with the `at_hash` of `accessToken` (OpenID Connect Core
    /// §3.1.3.6): the left half of its hash under the signing algorithm's hash function.
    func signIDToken(_ claims: JWTClaims, accessToken: String) throws -> String {
        let signer = keys.value.withLock { $0.idTokenSigner }
        guard let signer, let algorithm = signer.keyRing.signingKey?.algorithm else {
            throw AuthError.invalidInput("keys", "ID tokens need an asymmetric active key")
        }
        let hash: HashFunction =
            switch algorithm {
            case .es384: .sha384
            case .edDSA: .sha512
            default: .sha256
            }
        let digest = try hash.hash(Array(accessToken.utf8))
        var claims = claims
        claims["at_hash"] = .string(Base64URL.encode(Array(digest.prefix(digest.count / 2))))
        return try signer.sign(claims)
    }

    /// An ID token this service signed, read back as a logout hint: signature by an asymmetric
    /// key, issuer and type, expired or not; never anything with an access token's claims.
    func verifyIDTokenHint(_ token: String) throws -> VerifiedJWT {
        let verifier = keys.value.withLock { $0.idTokenHintVerifier }
        let verified: VerifiedJWT
        do {
            verified = try verifier.verify(token)
        } catch let error as JWTError {
            throw AuthError(.invalidToken, error.description)
        }
        guard verifier.keyRing.key(kid: verified.kid)?.algorithm.isSymmetric == false else {
            throw AuthError(.invalidToken, "ID tokens are never HMAC-signed")
        }
        guard ["client_id", "scope", "jti"].allSatisfy({ verified.claims[$0] == nil }) else {
            throw AuthError(.invalidToken, "an access token is not an ID token")
        }
        return verified
    }

    /// Signs and verifies with `ring` from now on (a key file changed). A ring that cannot sign
    /// is refused and the current one kept.
    public func reload(_ ring: JWTKeyRing) throws {
        guard ring.signingKey != nil else { throw AuthError.invalidInput("keys", "the key ring has no active signing key") }
        let replacement = Self.keys(ring, policy: policy, clock: clock)
        keys.value.withLock { $0 = replacement }
    }

    /// The key ring in use.
    public var keyRing: JWTKeyRing { keys.value.withLock { $0.signer.keyRing } }

    /// The JWK Set to publish (the public half of every asymmetric key) and its ETag, made
    /// once per key ring.
    public var published: PublishedKeys { keys.value.withLock { $0.published } }

    /// A signed access token for `subject` through `client`, expiring after the policy's
    /// lifetime or at `notAfter` if that comes first.
    func sign(subject: String, client: OAuthClient, scopes: [String], sessionID: String?, now: Int64, notAfter: Int64? = nil) throws -> String {
        let audiences = client.audiences.isEmpty ? policy.defaultAudiences : client.audiences
        var claims = JWTClaims()
        claims["iss"] = .string(policy.issuer)
        claims["sub"] = .string(subject)
        claims["aud"] = audiences.count == 1 ? .string(audiences[0]) : .array(audiences.map(JSONValue.string))
        claims["exp"] = .int(Int(min(now + policy.accessTokenTTL, notAfter ?? .max)))
        claims["iat"] = .int(Int(now))
        claims["jti"] = .string(Base64URL.encode(try SecureRandom.bytes(count: 16)))
        claims["client_id"] = .string(client.id)
        if !scopes.isEmpty { claims["scope"] = .string(scopes.joined(separator: " ")) }
        if let sessionID { claims["sid"] = .string(sessionID) }
        return try keys.value.withLock { $0.signer }.sign(claims)
    }

    /// The RFC 6749 §5.1 answer to a user's grant: a new access token beside `refreshToken`.
    /// The token expires no later than its session would if unused (idle or absolute), so that
    /// everything that checks tokens without the store (`/v1/verify`, introspection) sees the
    /// session's end without asking it.
    func response(user: User, client: OAuthClient, scopes: [String], session: Session, refreshToken: String?, now: Int64) throws -> TokenResponse {
        let expiresAt = min(now + policy.accessTokenTTL, session.idleExpiresAt, session.absoluteExpiresAt)
        let token = try sign(subject: user.id, client: client, scopes: scopes, sessionID: session.id, now: now, notAfter: expiresAt)
        return TokenResponse(
            accessToken: token, expiresIn: expiresAt - now, refreshToken: refreshToken,
            scope: scopes.joined(separator: " "), sessionID: session.id, userID: user.id)
    }

    /// Verifies an access token: signature and claims (audience one of `audiences`, by default
    /// the policy's default audiences), then its session against the revocation view. No store
    /// access: this is the hot path.
    public func verify(_ token: String, audiences: Set<String>? = nil) throws -> VerifiedJWT {
        try verify(token, audiences: audiences, checkingAudience: true)
    }

    /// Verifies as above; `checkingFreshness: false` skips the stale-view refusal, for revoking
    /// (which must still work, and reads the store anyway).
    func verify(_ token: String, audiences: Set<String>?, checkingAudience: Bool, checkingFreshness: Bool = true) throws -> VerifiedJWT {
        var verifier = keys.value.withLock { $0.verifier }
        verifier.options.audiences = audiences ?? Set(policy.defaultAudiences)
        verifier.options.checksAudience = checkingAudience
        let verified: VerifiedJWT
        do {
            verified = try verifier.verify(token)
        } catch let error as JWTError {
            throw AuthError(.invalidToken, error.description)
        }
        // Counted once the signature and claims hold, revoked or not: the key is still in use.
        keyUsage.record(kid: verified.kid, at: Int64(clock.now))
        if let sid = verified.claims.sessionID {
            if revokedSessions.contains(sid) { throw AuthError(.invalidToken, "session revoked") }
        } else if let jti = verified.claims.jwtID, revokedSessions.containsToken(jti) {
            throw AuthError(.invalidToken, "token revoked")
        }
        if checkingFreshness, let maximumAge = policy.revocationMaximumStaleness, revokedSessions.isStale(now: Int64(clock.now), maximumAge: maximumAge) {
            throw AuthError.storeUnavailable("the revocation view is stale: no poll succeeded for \(maximumAge) s")
        }
        return verified
    }
}

/// What one key ring signs, verifies and publishes.
private struct Keys: Sendable {
    let signer: JWTSigner
    let verifier: JWTVerifier
    let published: PublishedKeys
    /// Nil while the active key is an HMAC key.
    let idTokenSigner: JWTSigner?
    let idTokenHintVerifier: JWTVerifier
}

/// The keys in use, shared by every copy of `AccessTokens`.
private final class CurrentKeys: Sendable {
    let value: Mutex<Keys>

    init(_ keys: Keys) { value = Mutex(keys) }
}

/// The public side of a key ring: the JWK Set body `/.well-known/jwks.json` serves, its strong
/// ETag (a digest of the body), and the algorithms of its keys for the RFC 8414 metadata.
public struct PublishedKeys: Sendable {
    public let body: [UInt8]
    public let etag: String
    public let algorithms: [String]

    init(_ ring: JWTKeyRing) {
        var body: [UInt8] = []
        ring.publicJWKS.serialize(into: &body)
        self.body = body
        // SHA-256 of a few hundred bytes cannot fail; an empty tag would only disable 304s.
        let digest = (try? HashFunction.sha256.hash(body)) ?? []
        etag = "\"" + Base64URL.encode(Array(digest.prefix(18))) + "\""
        algorithms = Set(ring.keys.map(\.algorithm.rawValue)).sorted()
    }
}
