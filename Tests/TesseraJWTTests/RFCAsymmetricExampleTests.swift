import Foundation
import TesseraCrypto
import TesseraTestSupport
import Testing

@testable import TesseraJWT

struct AsymmetricExamples: Decodable {
    struct Case: Decodable, CustomTestStringConvertible {
        let name, alg, token: String
        let deterministic: Bool
        let jwk: [String: String]
        var testDescription: String { name }
    }
    let cases: [Case]
}

@Suite("RFC 7515 A.2/A.3 and RFC 8037 A.4 known answers")
struct RFCAsymmetricExampleTests {
    static let examples = Vectors.load(AsymmetricExamples.self, "jws_rfc_asymmetric_examples.json").cases

    @Test("the RFC's key verifies the RFC's token; a deterministic signature is byte for byte the RFC's", arguments: examples)
    func example(_ example: AsymmetricExamples.Case) throws {
        var jwk = JSONObject()
        for (name, value) in example.jwk.sorted(by: { $0.key < $1.key }) { jwk[name] = .string(value) }
        jwk["kid"] = .string("rfc")
        jwk["alg"] = .string(example.alg)
        let key = try JWTKey(jwk: jwk)
        var options = JWTValidationOptions()
        options.clock = .fixed(1_300_819_379)
        options.expectedType = nil
        options.checksAudience = false
        let verifier = JWTVerifier(keyRing: try JWTKeyRing(keys: [key]), options: options)
        var token = example.token
        let key2 = try token.withUTF8 { try verifier.verifySignature(UnsafeRawBufferPointer($0)).2 }
        #expect(key2.kid == "rfc")
        if example.alg != "EdDSA" {
            #expect(try verifier.verify(example.token).claims.issuer == "joe", "the RFC 7515 payload is a JWT")
        }
        let dot = example.token.lastIndex(of: ".")!
        let input = Array(example.token.utf8[..<dot.samePosition(in: example.token.utf8)!])
        let signature = try #require(Base64URL.decode(example.token[example.token.index(after: dot)...]))
        let asymmetric = try #require(key.asymmetricKey)
        if example.deterministic {
            #expect(try input.withUnsafeBytes { try asymmetric.sign($0, scheme: key.algorithm.signatureScheme!) } == signature)
        }
        var altered = signature
        altered[0] ^= 1
        #expect(!altered.withUnsafeBytes { s in input.withUnsafeBytes { asymmetric.isValidSignature(s, for: $0, scheme: key.algorithm.signatureScheme!) } })
    }
}
