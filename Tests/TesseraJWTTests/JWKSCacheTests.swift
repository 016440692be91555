import Foundation
import Synchronization
import TesseraCrypto
import Testing

@testable import TesseraJWT

/// A JWKS endpoint that counts its fetches and serves whatever set it holds.
final class FakeIssuer: Sendable {
    let body = Mutex<[UInt8]>([])
    let fetches = Mutex(0)
    let failing = Mutex(false)

    func publish(_ ring: JWTKeyRing) { body.withLock { $0 = Array(JSONValue.object(ring.publicJWKS).serialized.utf8) } }

    func fetch() throws -> JWKSCache.Response {
        fetches.withLock { $0 += 1 }
        if failing.withLock({ $0 }) { throw JWTError.keyFileUnavailable }
        return JWKSCache.Response(body: body.withLock { $0 }, cacheControl: "public, max-age=300")
    }
}

@Suite("JWKS cache (resource server side)")
struct JWKSCacheTests {
    final class Clock: Sendable {
        let seconds = Mutex(fixedNow)
        var jwt: JWTClock { JWTClock { self.seconds.withLock { $0 } } }
    }

    static func cache(_ issuer: FakeIssuer, _ clock: Clock) -> JWKSCache {
        var options = accessOptions()
        options.clock = clock.jwt
        return JWKSCache(options: options, refetchInterval: 60) { try issuer.fetch() }
    }

    @Test("verifies with the fetched keys, kept for max-age; an unknown kid fetches at most once a minute, so random kids cannot amplify")
    func caching() async throws {
        let issuer = FakeIssuer()
        let clock = Clock()
        var ring = try JWTKeyRing(keys: [makeKey("a", .es256)])
        issuer.publish(ring)
        let cache = Self.cache(issuer, clock)
        let token = try JWTSigner(keyRing: ring).sign(accessClaims())
        for _ in 0..<5 { #expect(try await cache.verify(token).kid == "a") }
        #expect(issuer.fetches.withLock { $0 } == 1)
        // Tokens naming made-up kids cause no fetch within the interval of the last one.
        func randomKids() async throws {
            for index in 0..<20 {
                let forged = try forge(header: #"{"alg":"ES256","kid":"random\#(index)","typ":"at+jwt"}"#, claims: standardClaimsJSON, secret: k1Secret)
                await #expect(throws: JWTError.unknownKey) { try await cache.verify(forged) }
            }
        }
        try await randomKids()
        #expect(issuer.fetches.withLock { $0 } == 1)
        // A key published later is found by one fetch once the interval has passed; after that
        // fetch, made-up kids again cause none.
        try ring.add(makeKey("b", .ps256, created: 2))
        try ring.rotate(now: 10_000, publishAhead: 0)
        issuer.publish(ring)
        let newer = try JWTSigner(keyRing: ring).sign(accessClaims())
        clock.seconds.withLock { $0 += 61 }
        #expect(try await cache.verify(newer).kid == "b")
        try await randomKids()
        #expect(issuer.fetches.withLock { $0 } == 2)
        // After max-age the set is fetched again; when that fails, the keys in hand still serve.
        issuer.failing.withLock { $0 = true }
        clock.seconds.withLock { $0 += 301 }
        #expect(try await cache.verify(token).kid == "a")
        #expect(issuer.fetches.withLock { $0 } == 3)
    }

    @Test("a remote set's oct keys, keys without alg and private members are never used; the alg stays pinned")
    func remoteKeysArePublicAndPinned() async throws {
        let issuer = FakeIssuer()
        let ec = try makeKey("ec", .es256)
        var jwk = try #require(ec.publicJWK)
        jwk["d"] = try ec.privateJWK()["d"]
        let oct: JSONObject = ["kty": .string("oct"), "kid": .string("k1"), "alg": .string("HS256"), "k": .string(Base64URL.encode(k1Secret))]
        var noAlg = try #require(makeKey("noalg", .es256).publicJWK)
        noAlg["alg"] = nil
        issuer.body.withLock { $0 = Array(JSONValue.object(["keys": .array([.object(jwk), .object(oct), .object(noAlg)])]).serialized.utf8) }
        let ring = try JWKSCache.publicRing(issuer.body.withLock { $0 })
        #expect(ring.keys.map(\.kid) == ["ec"] && ring.keys.allSatisfy { !$0.canSign })
        let cache = Self.cache(issuer, Clock())
        // An HMAC token "signed" with the oct key the set tried to hand out: unknown, never verified.
        await #expect(throws: JWTError.unknownKey) {
            try await cache.verify(forge(header: #"{"alg":"HS256","kid":"k1","typ":"at+jwt"}"#, claims: standardClaimsJSON, secret: k1Secret))
        }
        // HS256 keyed with the EC key's public JWK text: the key's alg wins.
        let confused = try forge(
            header: #"{"alg":"HS256","kid":"ec","typ":"at+jwt"}"#, claims: standardClaimsJSON, secret: Array(JSONValue.object(jwk).serialized.utf8))
        await #expect(throws: JWTError.algorithmMismatch) { try await cache.verify(confused) }
    }

    @Test("a down issuer is asked at most once per interval even before any set arrived; stale keys stop after maximumStaleness")
    func downIssuer() async throws {
        let issuer = FakeIssuer()
        issuer.failing.withLock { $0 = true }
        let clock = Clock()
        var options = accessOptions()
        options.clock = clock.jwt
        let cache = JWKSCache(options: options, refetchInterval: 60, maximumStaleness: 3600) { try issuer.fetch() }
        let ring = try JWTKeyRing(keys: [makeKey("a", .es256)])
        let token = try JWTSigner(keyRing: ring).sign(accessClaims(exp: fixedNow + 86_400))
        for _ in 0..<10 { await #expect(throws: JWTError.keyFileUnavailable) { try await cache.verify(token) } }
        #expect(issuer.fetches.withLock { $0 } == 1)
        issuer.publish(ring)
        issuer.failing.withLock { $0 = false }
        clock.seconds.withLock { $0 += 60 }
        #expect(try await cache.verify(token).kid == "a")
        issuer.failing.withLock { $0 = true }
        clock.seconds.withLock { $0 += 3_000 }
        #expect(try await cache.verify(token).kid == "a", "stale but within maximumStaleness")
        clock.seconds.withLock { $0 += 700 }
        await #expect(throws: JWTError.keyFileUnavailable, "older than maximumStaleness: fail closed") { try await cache.verify(token) }
    }

    @Test("a JWK Set with more than 64 keys is refused whole")
    func tooManyKeys() throws {
        let key = try #require(makeKey("k", .es256).publicJWK)
        let keys = (0..<65).map { index -> JSONValue in
            var jwk = key
            jwk["kid"] = .string("k\(index)")
            return .object(jwk)
        }
        #expect(throws: JWTError.invalidKeySet) { try JWKSCache.publicRing(Array(JSONValue.object(["keys": .array(keys)]).serialized.utf8)) }
        #expect(try JWKSCache.publicRing(Array(JSONValue.object(["keys": .array(Array(keys.prefix(64)))]).serialized.utf8)).keys.count == 64)
    }

    @Test("max-age is read from Cache-Control")
    func maxAge() {
        #expect(JWKSCache.maxAge("public, max-age=300") == 300)
        #expect(JWKSCache.maxAge("no-cache") == nil && JWKSCache.maxAge("max-age=-1") == nil && JWKSCache.maxAge(nil) == nil)
    }
}
