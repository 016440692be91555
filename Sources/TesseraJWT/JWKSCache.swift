import Foundation
import Synchronization

/// A resource server's copy of an issuer's published keys (its JWKS), for verifying tokens
/// locally with no secret. Transport-agnostic: `fetch` gets the JWK Set (over HTTPS, from the
/// issuer's `jwks_uri`) and says how long it may be kept.
///
/// - The set is kept for its `max-age` (bounded by `maximumAge`), then fetched again; when a
///   fetch fails the keys in hand stay in use for at most `maximumStaleness`, then every token
///   is refused (fail closed: a key the issuer withdrew must not stay trusted forever).
/// - Fetches happen at most once per `refetchInterval`, whatever the tokens: one naming an
///   unknown `kid`, or any token while no set could be fetched yet. Random kids or a down
///   issuer cannot turn the cache into a fetch amplifier.
/// - Only public keys with an `alg` Tessera supports are taken, each pinned to that `alg`;
///   `oct` (shared-secret) keys and private members are never used from a remote set. A set
///   larger than 256 KiB or with more than 64 keys is refused, and RSA keys above 8192 bits.
public final class JWKSCache: Sendable {
    /// One answer of the issuer's JWKS endpoint.
    public struct Response: Sendable {
        public var body: [UInt8]
        /// The `Cache-Control` header, whose `max-age` says how long the set may be kept.
        public var cacheControl: String?

        public init(body: [UInt8], cacheControl: String?) {
            self.body = body
            self.cacheControl = cacheControl
        }
    }

    private struct State {
        /// Nil until the first fetch succeeds.
        var ring: JWTKeyRing?
        var fetchedAt: Double = 0
        var expiresAt: Double = 0
        var lastFetch: Double = -.infinity
    }

    /// The largest JWK Set body and key count accepted.
    static let maximumBytes = 256 * 1024
    static let maximumKeys = 64

    private let fetch: @Sendable () async throws -> Response
    private let options: JWTValidationOptions
    private let refetchInterval: Double
    private let maximumAge: Double
    private let maximumStaleness: Double
    private let state = Mutex(State())

    /// A cache over `fetch`, verifying with `options` (issuer, audiences, clock…). Fetches happen
    /// at most once per `refetchInterval`; a set is kept `max-age` seconds (300 when the issuer
    /// sends none, never more than `maximumAge`) and used at most `maximumStaleness` seconds
    /// after it was fetched while fetches fail.
    public init(
        options: JWTValidationOptions, refetchInterval: Double = 60, maximumAge: Double = 86400, maximumStaleness: Double = 86400,
        fetch: @escaping @Sendable () async throws -> Response
    ) {
        self.options = options
        self.refetchInterval = refetchInterval
        self.maximumAge = maximumAge
        self.maximumStaleness = maximumStaleness
        self.fetch = fetch
    }

    /// The token's verified header and claims, with the keys fetched when needed.
    public func verify(_ token: String) async throws -> VerifiedJWT {
        let now = options.clock.now
        let (cached, expired) = state.withLock { ($0.ring, now >= $0.expiresAt) }
        guard let ring = cached, !expired else {
            return try JWTVerifier(keyRing: try await refresh(now: now), options: options).verify(token)
        }
        do {
            return try JWTVerifier(keyRing: ring, options: options).verify(token)
        } catch let error as JWTError where error == .unknownKey {
            // A key published since the last fetch, or a made-up kid: fetch again, but not more
            // often than refetchInterval.
            return try JWTVerifier(keyRing: try await refresh(now: now), options: options).verify(token)
        }
    }

    /// The keys after a fetch, or the keys in hand when a fetch is not due yet or fails (and
    /// they are not too stale).
    private func refresh(now: Double) async throws -> JWTKeyRing {
        let (due, held, fetchedAt) = state.withLock { state in
            let due = now - state.lastFetch >= refetchInterval
            if due { state.lastFetch = now }
            return (due, state.ring, state.fetchedAt)
        }
        func inHand(_ reason: String) throws -> JWTKeyRing {
            guard let held, now - fetchedAt <= maximumStaleness else { throw JWTError.keyFileUnavailable.with(reason) }
            return held
        }
        guard due else { return try inHand("no usable JWKS; the next fetch is not due yet") }
        do {
            let response = try await fetch()
            guard response.body.count <= Self.maximumBytes else { throw JWTError.invalidKeySet.with("the JWKS is larger than 256 KiB") }
            let ring = try Self.publicRing(response.body)
            let age = min(Self.maxAge(response.cacheControl) ?? 300, maximumAge)
            state.withLock { state in
                state.ring = ring
                state.fetchedAt = now
                state.expiresAt = now + age
            }
            return ring
        } catch {
            return try inHand("cannot fetch the JWKS: \(error)")
        }
    }

    /// The usable keys of a remote JWK Set: public keys with a supported asymmetric `alg`;
    /// `oct` keys, keys without `alg` and private members are dropped.
    static func publicRing(_ body: [UInt8]) throws -> JWTKeyRing {
        guard let set = JSONValue(parsing: body)?.objectValue, case let .array(entries)? = set["keys"] else {
            throw JWTError.invalidKeySet.with("not a JSON object with a \"keys\" array")
        }
        guard entries.count <= maximumKeys else { throw JWTError.invalidKeySet.with("the JWKS has more than \(maximumKeys) keys") }
        var keys: [JWTKey] = []
        for case let .object(jwk) in entries {
            guard jwk["kty"]?.stringValue != "oct", let alg = jwk["alg"]?.stringValue.flatMap(JWTAlgorithm.init), !alg.isSymmetric else { continue }
            var publicOnly = JSONObject()
            for member in jwk where !["d", "p", "q", "dp", "dq", "qi", "k"].contains(member.name) { publicOnly[member.name] = member.value }
            guard let key = try? JWTKey(jwk: publicOnly) else { continue }
            keys.append(key)
        }
        return try JWTKeyRing(keys: keys)
    }

    /// `max-age` of a `Cache-Control` value, in seconds.
    static func maxAge(_ cacheControl: String?) -> Double? {
        guard let cacheControl else { return nil }
        for directive in cacheControl.split(separator: ",") {
            let parts = directive.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "max-age", let seconds = Int(parts[1]), seconds >= 0 { return Double(seconds) }
        }
        return nil
    }
}
