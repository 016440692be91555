import TesseraCrypto
import TesseraJWT
import Testing

@Suite("Key ring")
struct KeyRingTests {
    @Test("a JWK Set round-trips with its active key")
    func roundTrip() throws {
        var ring = try makeRing()
        try ring.add(JWTKey.generate(kid: "k3", algorithm: .hs384, created: 3))
        let reloaded = try JWTKeyRing(jwks: try ring.jwksBytes())
        #expect(reloaded.keys.map(\.kid) == ["k1", "k2", "k3"])
        #expect(reloaded.keys.map(\.algorithm) == [.hs256, .hs512, .hs384])
        #expect(reloaded.signingKey?.kid == "k1")
        // Tokens signed before the reload verify after it: the secrets survived.
        #expect(throws: JWTError.noSigningKey, "only the active key signs") { try JWTSigner(keyRing: ring).sign(accessClaims(), kid: "k3") }
        var rotated = ring
        try rotated.rotate(now: 3, publishAhead: 0)
        let token = try JWTSigner(keyRing: rotated).sign(accessClaims(), kid: "k3")
        #expect(throws: Never.self) { try JWTVerifier(keyRing: reloaded, options: accessOptions()).verify(token) }
    }

    @Test("rotate promotes the next key and keeps the others verifying")
    func rotate() throws {
        var ring = try makeRing()
        let old = try JWTSigner(keyRing: ring).sign(accessClaims())
        try ring.add(makeKey("new", fill: 9, created: 100))
        #expect(ring.signingKey?.kid == "k1" && ring.state(of: "new") == .next, "a new key is next until rotation")
        #expect(try ring.rotate(now: 100, publishAhead: 600).kid == "new", "an HMAC key is never published: no wait")
        #expect(ring.state(of: "k1") == .previous && ring.state(of: "new") == .active)
        let fresh = try JWTSigner(keyRing: ring).sign(accessClaims())
        let verifier = JWTVerifier(keyRing: ring, options: accessOptions())
        #expect(try verifier.verify(old).kid == "k1")
        #expect(try verifier.verify(fresh).kid == "new")
        #expect(throws: JWTError.invalidKeySet) { try ring.retire(kid: "new") }
        try ring.retire(kid: "k1")
        #expect(throws: JWTError.unknownKey) { try JWTVerifier(keyRing: ring, options: accessOptions()).verify(old) }
    }

    @Test("a set with one key signs with it; several keys without active_kid do not sign")
    func signingKeyChoice() throws {
        #expect(try JWTKeyRing(keys: [makeKey("only")]).signingKey?.kid == "only")
        let ambiguous = try JWTKeyRing(keys: [makeKey("a"), makeKey("b")])
        #expect(ambiguous.signingKey == nil)
        #expect(throws: JWTError.noSigningKey) { try JWTSigner(keyRing: ambiguous).sign(accessClaims()) }
    }

    @Test("keys shorter than the hash output are refused at load", arguments: [("HS256", 31), ("HS384", 47), ("HS512", 63)])
    func shortKeys(_ alg: String, _ length: Int) {
        let k = Base64URL.encode([UInt8](repeating: 1, count: length))
        let jwks = #"{"keys":[{"kty":"oct","kid":"a","alg":"\#(alg)","k":"\#(k)"}]}"#
        #expect(throws: JWTError.keyTooShort) { try JWTKeyRing(jwks: Array(jwks.utf8)) }
    }

    @Test(
        "malformed sets are refused with invalidKeySet",
        arguments: [
            #"{}"#, #"{"keys":{}}"#, #"{"keys":[1]}"#,
            #"{"keys":[{"kty":"RSA","kid":"a","alg":"HS256","k":"AAAA"}]}"#,
            #"{"keys":[{"kty":"oct","alg":"HS256","k":"AAAA"}]}"#,
            #"{"keys":[{"kty":"oct","kid":"a","alg":"none","k":"AAAA"}]}"#,
            #"{"keys":[{"kty":"oct","kid":"a","alg":"RS256","k":"AAAA"}]}"#,
            #"{"keys":[{"kty":"oct","kid":"a","alg":"HS256","k":"AA=="}]}"#,
            #"{"keys":[{"kty":"oct","kid":"a","alg":"HS256","use":"enc","k":"QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"}]}"#,
            #"{"keys":[{"kty":"oct","kid":"a","alg":"HS256","k":"QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"},{"kty":"oct","kid":"a","alg":"HS256","k":"QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"}]}"#,
            #"{"active_kid":"zz","keys":[{"kty":"oct","kid":"a","alg":"HS256","k":"QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"}]}"#,
        ])
    func malformed(_ jwks: String) {
        #expect(throws: JWTError.invalidKeySet) { try JWTKeyRing(jwks: Array(jwks.utf8)) }
    }

    @Test("the public JWK Set never carries a symmetric secret")
    func publicSet() throws {
        #expect(try makeRing().publicJWKS.serialized == #"{"keys":[]}"#)
    }

    @Test("publish-ahead: an asymmetric next key signs only after keys.publish_ahead_seconds; --force says how early")
    func publishAhead() throws {
        var ring = try JWTKeyRing(keys: [makeKey("old", .es256, created: 1)])
        try ring.add(makeKey("new", .es256, created: 1_000))
        #expect(ring.state(of: "new") == .next)
        #expect(ring.publicJWKS.serialized.contains(#""kid":"new""#), "a next key is published at once")
        var early = ring
        #expect(throws: JWTError.invalidKeySet) { try early.rotate(now: 1_599, publishAhead: 600) }
        #expect(early.signingKey?.kid == "old", "a refused rotation changes nothing")
        #expect(try early.rotate(now: 1_599, publishAhead: 600, force: true) == ("new", 1))
        #expect(try ring.rotate(now: 1_600, publishAhead: 600) == ("new", nil))
        #expect(throws: JWTError.noSigningKey, "nothing left to promote") { try ring.rotate(now: 9_999, publishAhead: 600) }
    }

    @Test("a next key verifies: an instance that has not reloaded yet accepts what the others sign with it")
    func nextKeyVerifies() throws {
        var ahead = try makeRing()
        try ahead.add(makeKey("new", fill: 9, created: 100))
        var rotated = ahead
        try rotated.rotate(now: 100, publishAhead: 0)
        let token = try JWTSigner(keyRing: rotated).sign(accessClaims())
        #expect(try JWTVerifier(keyRing: ahead, options: accessOptions()).verify(token).kid == "new")
    }

    @Test("states survive the key file; a file from before states (active_kid) reads as active and previous")
    func statesInTheFile() throws {
        var ring = try makeRing()
        try ring.add(makeKey("n", fill: 7, created: 5))
        let reloaded = try JWTKeyRing(jwks: try ring.jwksBytes())
        #expect(reloaded.keys.map { reloaded.state(of: $0.kid) } == [.active, .previous, .next])
        let legacy =
            #"{"active_kid":"b","keys":[{"kty":"oct","kid":"a","alg":"HS256","k":"QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"},{"kty":"oct","kid":"b","alg":"HS256","k":"QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"}]}"#
        let old = try JWTKeyRing(jwks: Array(legacy.utf8))
        #expect(old.state(of: "b") == .active && old.state(of: "a") == .previous)
        let k = #""alg":"HS256","k":"QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI""#
        for broken in [
            #"{"keys":[{"kty":"oct","kid":"a",\#(k),"state":"active"},{"kty":"oct","kid":"b",\#(k),"state":"active"}]}"#,
            #"{"keys":[{"kty":"oct","kid":"a",\#(k),"state":"retired"}]}"#,
            #"{"active_kid":"b","keys":[{"kty":"oct","kid":"a",\#(k),"state":"active"},{"kty":"oct","kid":"b",\#(k)}]}"#,
        ] {
            #expect(throws: JWTError.invalidKeySet, "\(broken)") { try JWTKeyRing(jwks: Array(broken.utf8)) }
        }
    }
}
