import Foundation
import TesseraCrypto
import TesseraJWT
import TesseraTestSupport
import Testing

// Member names mirror the vector files' JSON keys.
// swift-format-ignore: AlwaysUseLowerCamelCase
private struct JWSExamples: Decodable, Sendable {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let name, key_hex, alg, token: String
        let jwk: [String: String]
        var testDescription: String { name }
    }
    let cases: [Case]
}

private let examples = Dictionary(uniqueKeysWithValues: Vectors.load(JWSExamples.self, "jws_rfc_examples.json").cases.map { ($0.name, $0) })

/// A verifier holding the example's key: kid-less examples use it as the ring's only key.
private func verifier(for example: JWSExamples.Case, clock: JWTClock, type: String? = nil) throws -> JWTVerifier {
    let kid = example.jwk["kid"] ?? "example"
    let key = try JWTKey(kid: kid, algorithm: JWTAlgorithm(rawValue: example.alg)!, secret: SecretBytes(Hex.bytes(example.key_hex)), created: 0)
    var options = JWTValidationOptions()
    options.clock = clock
    options.expectedType = type
    return JWTVerifier(keyRing: try JWTKeyRing(keys: [key]), options: options)
}

@Suite("RFC examples")
struct RFCExampleTests {
    @Test("RFC 7515 A.1 / RFC 7519 3.1 verify with a clock before exp", arguments: ["rfc7515_A1_hs256", "rfc7519_3_1_example_jwt"])
    func acceptedBeforeExpiry(_ name: String) throws {
        let example = try #require(examples[name])
        let verified = try verifier(for: example, clock: .fixed(1_300_819_379), type: "JWT").verify(example.token)
        #expect(verified.claims.issuer == "joe")
        #expect(verified.claims["http://example.com/is_root"] == .bool(true))
        #expect(verified.claims.expiration == 1_300_819_380)
        #expect(verified.header["typ"] == .string("JWT"))
    }

    @Test("RFC 7515 A.1 is rejected as expired with the real clock")
    func expiredWithRealClock() throws {
        let example = try #require(examples["rfc7515_A1_hs256"])
        #expect(throws: JWTError.expired) { try verifier(for: example, clock: .system).verify(example.token) }
    }

    @Test("RFC 7519 6.1 unsecured JWT is rejected")
    func unsecured() throws {
        let example = try #require(examples["rfc7519_6_1_unsecured_jwt_alg_none"])
        #expect(throws: JWTError.unsecured) { try verifier(for: example, clock: .fixed(1_300_819_379)).verify(example.token) }
    }

    @Test("RFC 7520 4.4: the MAC verifies but a text payload is not a JWT")
    func textPayload() throws {
        let example = try #require(examples["rfc7520_4_4_hmac_sha2_compact"])
        let parts = example.token.split(separator: ".")
        let key = try HMACKey(SecretBytes(Hex.bytes(example.key_hex)), hashFunction: .sha256)
        #expect(key.isValidAuthenticationCode(Base64URL.decode(parts[2])!, for: Array("\(parts[0]).\(parts[1])".utf8)))
        #expect(throws: JWTError.invalidClaims) { try verifier(for: example, clock: .system).verify(example.token) }
    }

    @Test("RFC 7520 4.5: a detached-payload JWS is not a JWT: its MAC covers a payload the token does not carry")
    func detached() throws {
        let example = try #require(examples["rfc7520_4_5_detached_content_compact"])
        #expect(throws: JWTError.invalidSignature) { try verifier(for: example, clock: .system).verify(example.token) }
    }
}
