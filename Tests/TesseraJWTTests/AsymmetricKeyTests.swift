import Foundation
import TesseraCrypto
import TesseraTestSupport
import Testing

@testable import TesseraJWT

/// Signs `header` and `claims` JSON text exactly as given with an asymmetric key.
func forge(header: String, claims: String, key: AsymmetricKey, scheme: SignatureScheme) throws -> String {
    let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
    return input + "." + Base64URL.encode(try Array(input.utf8).withUnsafeBytes { try key.sign($0, scheme: scheme) })
}

let asymmetricAlgorithms = JWTAlgorithm.allCases.filter { !$0.isSymmetric }

/// The RFC 8725 attacks of `AttackTests`, against rings of asymmetric keys.
@Suite("RFC 8725 attacks on asymmetric keys")
struct AsymmetricAttackTests {
    @Test("a token from each algorithm verifies; from another key of the same algorithm, or altered, it does not", arguments: asymmetricAlgorithms)
    func signAndVerify(_ algorithm: JWTAlgorithm) throws {
        let ring = try JWTKeyRing(keys: [makeKey("a", algorithm)])
        let token = try JWTSigner(keyRing: ring).sign(accessClaims())
        #expect(try JWTVerifier(keyRing: ring, options: accessOptions()).verify(token).kid == "a")
        let stranger = try JWTKeyRing(keys: [JWTKey.generate(kid: "a", algorithm: algorithm, created: 1)])
        #expect(throws: JWTError.invalidSignature) { try JWTVerifier(keyRing: stranger, options: accessOptions()).verify(token) }
        let parts = token.split(separator: ".")
        let otherClaims = Base64URL.encode(Array(#"{"iss":"https://auth.example","aud":"api","exp":1767226500,"sub":"root"}"#.utf8))
        #expect(throws: JWTError.invalidSignature) { try JWTVerifier(keyRing: ring, options: accessOptions()).verify("\(parts[0]).\(otherClaims).\(parts[2])") }
        // The public half verifies and cannot sign.
        let publicRing = try JWTKeyRing(jwks: Array(JSONValue.object(ring.publicJWKS).serialized.utf8))
        #expect(try JWTVerifier(keyRing: publicRing, options: accessOptions()).verify(token).kid == "a")
        #expect(publicRing.signingKey == nil)
        #expect(throws: JWTError.noSigningKey) { try JWTSigner(keyRing: publicRing).sign(accessClaims()) }
    }

    @Test("alg none against an asymmetric ring, in every spelling", arguments: ["none", "None", "NONE"])
    func algNone(_ spelling: String) throws {
        let verifier = JWTVerifier(keyRing: try JWTKeyRing(keys: [makeKey("e", .es256)]), options: accessOptions())
        let unsigned =
            Base64URL.encode(Array(#"{"alg":"\#(spelling)","kid":"e","typ":"at+jwt"}"#.utf8)) + "." + Base64URL.encode(Array(standardClaimsJSON.utf8))
        #expect(throws: JWTError.unsecured) { try verifier.verify(unsigned + ".") }
    }

    @Test(
        "key confusion: HS256 over an EC, OKP or RSA public key (its PEM, DER or JWK text as the secret) is refused before any crypto",
        arguments: asymmetricAlgorithms)
    func publicKeyAsHMACSecret(_ algorithm: JWTAlgorithm) throws {
        let key = try makeKey("pub", algorithm)
        let verifier = JWTVerifier(keyRing: try JWTKeyRing(keys: [key]), options: accessOptions())
        let jwkText = Array(JSONValue.object(try #require(key.publicJWK)).serialized.utf8)
        for secret in [jwkText, try #require(key.asymmetricKey).publicComponents().values.first!] {
            for (alg, hash) in [("HS256", HashFunction.sha256), ("HS384", .sha384), ("HS512", .sha512)] {
                let token = try forge(header: #"{"alg":"\#(alg)","kid":"pub","typ":"at+jwt"}"#, claims: standardClaimsJSON, secret: secret, hash: hash)
                #expect(throws: JWTError.algorithmMismatch) { try verifier.verify(token) }
            }
        }
    }

    @Test("alg swap between asymmetric algorithms (RS256 ↔ PS256, ES256 ↔ ES384, EdDSA ↔ ES256) is refused: the key's alg wins")
    func algSwap() throws {
        let rsa = try AsymmetricKey.generate(.rsa)
        let p256 = try AsymmetricKey.generate(.ec(.p256))
        let ring = try JWTKeyRing(keys: [
            JWTKey(kid: "rs", algorithm: .rs256, key: rsa, created: 1), JWTKey(kid: "es", algorithm: .es256, key: p256, created: 2),
            makeKey("ed", .edDSA),
        ])
        let verifier = JWTVerifier(keyRing: ring, options: accessOptions())
        let cases: [(String, String, AsymmetricKey, SignatureScheme)] = [
            ("PS256", "rs", rsa, .rsaPSSSHA256), ("ES384", "es", p256, .ecdsaP256SHA256), ("ES256", "ed", p256, .ecdsaP256SHA256),
            ("EdDSA", "es", p256, .ecdsaP256SHA256),
        ]
        for (alg, kid, key, scheme) in cases {
            let token = try forge(header: #"{"alg":"\#(alg)","kid":"\#(kid)","typ":"at+jwt"}"#, claims: standardClaimsJSON, key: key, scheme: scheme)
            #expect(throws: JWTError.algorithmMismatch, "\(alg) on \(kid)") { try verifier.verify(token) }
        }
        // EC and RSA headers against an HMAC key.
        let mixed = JWTVerifier(keyRing: try JWTKeyRing(keys: [makeKey("k1"), makeKey("es", .es256)], activeKid: "k1"), options: accessOptions())
        let onHMAC = try forge(header: #"{"alg":"ES256","kid":"k1","typ":"at+jwt"}"#, claims: standardClaimsJSON, key: p256, scheme: .ecdsaP256SHA256)
        #expect(throws: JWTError.algorithmMismatch) { try mixed.verify(onHMAC) }
    }

    @Test("a key in the header (jwk, jku, x5u) is never trusted: the attacker's own signature does not verify")
    func embeddedKey() throws {
        let verifier = JWTVerifier(keyRing: try JWTKeyRing(keys: [makeKey("e", .es256)]), options: accessOptions())
        let attacker = try JWTKey.generate(kid: "e", algorithm: .es256, created: 1)
        let jwk = JSONValue.object(try #require(attacker.publicJWK)).serialized
        for member in [#""jwk":\#(jwk)"#, #""jku":"https://evil.example/jwks.json""#, #""x5u":"https://evil.example/cert.pem""#] {
            let token = try forge(
                header: #"{"alg":"ES256","kid":"e","typ":"at+jwt",\#(member)}"#, claims: standardClaimsJSON, key: try #require(attacker.asymmetricKey),
                scheme: .ecdsaP256SHA256)
            #expect(throws: JWTError.invalidSignature) { try verifier.verify(token) }
        }
    }

    @Test("ECDSA signatures: DER instead of r‖s, wrong lengths, and r = s = 0 (CVE-2022-21449) are refused", arguments: [JWTAlgorithm.es256, .es384])
    func ecdsaSignatures(_ algorithm: JWTAlgorithm) throws {
        let ring = try JWTKeyRing(keys: [makeKey("e", algorithm)])
        let verifier = JWTVerifier(keyRing: ring, options: accessOptions())
        let token = try JWTSigner(keyRing: ring).sign(accessClaims())
        let input = token[..<token.lastIndex(of: ".")!]
        let raw = try #require(Base64URL.decode(token[token.index(after: token.lastIndex(of: ".")!)...]))
        let half = raw.count / 2
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            let trimmed = Array(bytes.drop { $0 == 0 })
            let body = trimmed.first.map { $0 >= 0x80 } == true ? [0] + trimmed : trimmed
            return [0x02, UInt8(body.count)] + body
        }
        let sequence = integer(raw[..<half]) + integer(raw[half...])
        for signature in [[0x30, UInt8(sequence.count)] + sequence, Array(raw.dropLast()), raw + [0], [UInt8](repeating: 0, count: raw.count)] {
            #expect(throws: JWTError.invalidSignature) { try verifier.verify(input + "." + Base64URL.encode(signature)) }
        }
    }

    @Test("the claim checks hold for asymmetric tokens too: expired, wrong audience, wrong type", arguments: asymmetricAlgorithms)
    func claimChecks(_ algorithm: JWTAlgorithm) throws {
        let ring = try JWTKeyRing(keys: [makeKey("a", algorithm)])
        let verifier = JWTVerifier(keyRing: ring, options: accessOptions())
        #expect(throws: JWTError.expired) { try verifier.verify(JWTSigner(keyRing: ring).sign(accessClaims(exp: fixedNow - 120))) }
        var other = accessClaims()
        other["aud"] = .string("billing")
        #expect(throws: JWTError.invalidAudience) { try verifier.verify(JWTSigner(keyRing: ring).sign(other)) }
        #expect(throws: JWTError.invalidType) { try verifier.verify(JWTSigner(keyRing: ring, type: "JWT").sign(accessClaims())) }
    }
}

private struct WycheproofJWKFile: Decodable {
    struct Group: Decodable {
        let comment: String
        let `private`: JSONText?
        let `public`: JSONText?
        let tests: [Test]
    }
    struct Test: Decodable {
        let tcId: Int
        let jws: JSONText
        let result: String
    }
    let testGroups: [Group]
}

/// A JSON value of a vector file kept as its text.
private struct JSONText: Decodable {
    let text: String
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else {
            let value = try container.decode(AnyJSON.self)
            text = String(decoding: try JSONSerialization.data(withJSONObject: value.object, options: [.fragmentsAllowed]), as: UTF8.self)
        }
    }
}

private struct AnyJSON: Decodable {
    let object: Any
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let dictionary = try? container.decode([String: AnyJSON].self) {
            object = dictionary.mapValues(\.object)
        } else if let array = try? container.decode([AnyJSON].self) {
            object = array.map(\.object)
        } else if let string = try? container.decode(String.self) {
            object = string
        } else if let number = try? container.decode(Double.self) {
            object = number
        } else if let flag = try? container.decode(Bool.self) {
            object = flag
        } else {
            object = NSNull()
        }
    }
}

@Suite("Wycheproof JSON Web Key sets")
struct WycheproofJWKTests {
    /// Cases where Tessera deliberately differs, with the reason.
    static let deviations: [Int: String] = [
        1:
            "a set mixing an HMAC key and an EC key is ambiguous to Wycheproof; Tessera pins each key's alg (RFC 8725 §3.1), so mixed rings are safe and supported"
    ]

    @Test("every compact JWS verifies exactly when Wycheproof says valid: the key set must load and the signature must check")
    func jwkVectors() throws {
        let file = Vectors.load(WycheproofJWKFile.self, "wycheproof/json_web_key_test.json")
        var checked = 0
        for group in file.testGroups {
            let set = group.private?.text ?? group.public?.text ?? "{}"
            let ring = try? JWTKeyRing(jwks: Array(set.utf8))
            let verifier = ring.map { JWTVerifier(keyRing: $0) }
            for test in group.tests {
                guard !test.jws.text.hasPrefix("{") else { continue }  // JSON serialisation: Tessera reads compact JWS only
                var token = test.jws.text
                let verified = (try? token.withUTF8 { try verifier?.verifySignature(UnsafeRawBufferPointer($0)) }) != nil
                if let reason = Self.deviations[test.tcId] {
                    #expect(verified, "tcId \(test.tcId): \(reason)")
                } else {
                    #expect(verified == (test.result == "valid"), "tcId \(test.tcId) \(group.comment)")
                }
                checked += 1
            }
        }
        #expect(checked >= 20)
    }
}

@Suite("Asymmetric key rings")
struct AsymmetricKeyRingTests {
    @Test("a mixed ring round-trips through its file form with private parts; the public JWK Set has no secret, no d, no oct key")
    func roundTripAndPublication() throws {
        let ring = try JWTKeyRing(
            keys: [makeKey("h", .hs256)] + asymmetricAlgorithms.enumerated().map { try makeKey("k\($0.offset)", $0.element) }, activeKid: "k0")
        let reloaded = try JWTKeyRing(jwks: try ring.jwksBytes())
        #expect(reloaded.keys.map(\.kid) == ring.keys.map(\.kid) && reloaded.keys.allSatisfy(\.canSign))
        let token = try JWTSigner(keyRing: ring).sign(accessClaims())
        #expect(try JWTVerifier(keyRing: reloaded, options: accessOptions()).verify(token).kid == "k0")
        let published = ring.publicJWKS
        guard case let .array(keys)? = published["keys"] else { throw JWTError.invalidKeySet }
        #expect(keys.count == asymmetricAlgorithms.count)
        let text = JSONValue.object(published).serialized
        for secretMember in [#""d""#, #""p""#, #""q""#, #""dp""#, #""dq""#, #""qi""#, #""k""#, #""oct""#, #""created""#] {
            #expect(!text.contains(secretMember), "\(secretMember) in \(text)")
        }
        for key in keys {
            #expect(key.objectValue?["use"] == .string("sig") && key.objectValue?["alg"] != nil && key.objectValue?["kid"] != nil)
        }
    }

    @Test(
        "a JWK whose kty or crv does not fit its alg, or whose private part does not match, is refused",
        arguments: [
            #"{"kty":"EC","crv":"P-384","alg":"ES256"}"#, #"{"kty":"OKP","crv":"X25519","alg":"EdDSA"}"#, #"{"kty":"RSA","alg":"ES256"}"#,
            #"{"kty":"oct","alg":"RS256","k":"QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"}"#, #"{"kty":"EC","crv":"P-256","alg":"ES512"}"#,
        ])
    func mismatchedJWK(_ jwk: String) throws {
        let key = try makeKey("x", .es256)
        var object = try #require(JSONValue(parsing: jwk)?.objectValue)
        object["kid"] = .string("x")
        for name in ["x", "y", "n", "e"] where object[name] == nil { object[name] = key.publicJWK?[name] }
        #expect(throws: JWTError.invalidKeySet) { try JWTKey(jwk: object) }
    }

    @Test("a public key cannot be the active key")
    func publicKeyCannotSign() throws {
        let publicKey = try JWTKey(jwk: try #require(makeKey("p", .es256).publicJWK))
        #expect(!publicKey.canSign)
        #expect(throws: JWTError.invalidKeySet) { try JWTKeyRing(keys: [publicKey], activeKid: "p") }
        // Another party's public key verifies here but is never published as this issuer's.
        let ring = try JWTKeyRing(keys: [publicKey, makeKey("own", .es256)], activeKid: "own")
        #expect(JSONValue.object(ring.publicJWKS).serialized.contains(#""kid":"own""#))
        #expect(!JSONValue.object(ring.publicJWKS).serialized.contains(#""kid":"p""#))
    }
}
