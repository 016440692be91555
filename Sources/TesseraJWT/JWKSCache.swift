import Foundation
import Synchronization

/// A resource server's copy of an issuer's published keys (its JWKS), for verifying tokens
/// locally with no secret. Transport-agnostic: `fetch` gets the JWK Set (over HTTPS, from the
/// issuer's `jwks_uri`) and says how long it may be kept.
///
/// - The set is kept for its `max-age` (bounded by `maximumAge`), then fetched again; when a
///   fetch fails the keys in hand stay in use.
/// - A token naming an unknown `kid` triggers a fetch at most once per `refetchInterval`, so
///   tokens with random kids cannot turn the cache into a fetch amplifier against the issuer.
/// - Only public keys with an `alg` Tessera supports are taken, each pinned to that `alg`;
///   `oct` (shared-secret) keys and private members are never used from a remote set.
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
        var expiresAt: Double = 0
        var lastFetch: Double = -.infinity
    }

    private let fetch: @Sendable () async throws -> Response
    private let options: JWTValidationOptions
    private let refetchInterval: Double
    private let maximumAge: Double
    private let state = Mutex(State())

    /// A cache over `fetch`, verifying with `options` (issuer, audiences, clock…). `refetchInterval`
    /// bounds fetches for unknown kids; a set is kept at most `maximumAge` seconds, and 300 when
    /// the issuer sends no `max-age`.
    public init(
        options: JWTValidationOptions, refetchInterval: Double = 60, maximumAge: Double = 86400,
        fetch: @escaping @Sendable () async throws -> Response
    ) {
        self.options = options
        self.refetchInterval = refetchInterval
        self.maximumAge = maximumAge
        self.fetch = fetch
    }

    /// The token's verified header and claims, with the keys fetched when needed.
    public func verify(_ token: String) async throws -> VerifiedJWT {
        let now = options.clock.now
        let (cached, expired) = state.withLock { ($0.ring, now >= $0.expiresAt) }
        guard let ring = cached, !expired else {
            return try JWTVerifier(keyRing: try await refresh(now: now, force: cached == nil), options: options).verify(token)
        }
        do {
            return try JWTVerifier(keyRing: ring, options: options).verify(token)
        } catch let error as JWTError where error == .unknownKey {
            // A key published since the last fetch, or a made-up kid: fetch again, but not more
            // often than refetchInterval.
            return try JWTVerifier(keyRing: try await refresh(now: now, force: false), options: options).verify(token)
        }
    }

    /// The keys after a fetch, or the keys in hand when a fetch is not due yet or fails.
    private func refresh(now: Double, force: Bool) async throws -> JWTKeyRing {
        let due = state.withLock { state in
            guard force || now - state.lastFetch >= refetchInterval else { return false }
            state.lastFetch = now
            return true
        }
        let held = state.withLock { $0.ring }
        guard due else {
            guard let held else { throw JWTError.keyFileUnavailable.with("the JWKS is being fetched") }
            return held
        }
        do {
            let response = try await fetch()
            let ring = try Self.publicRing(response.body)
            let age = min(Self.maxAge(response.cacheControl) ?? 300, maximumAge)
            state.withLock { state in
                state.ring = ring
                state.expiresAt = now + age
            }
            return ring
        } catch {
            guard let held else { throw JWTError.keyFileUnavailable.with("cannot fetch the JWKS: \(error)") }
            return held
        }
    }

    /// The usable keys of a remote JWK Set: public keys with a supported asymmetric `alg`;
    /// `oct` keys, keys without `alg` and private members are dropped.
    static func publicRing(_ body: [UInt8]) throws -> JWTKeyRing {
        guard let set = JSONValue(parsing: body)?.objectValue, case let .array(entries)? = set["keys"] else {
            throw JWTError.invalidKeySet.with("not a JSON object with a \"keys\" array")
        }
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
