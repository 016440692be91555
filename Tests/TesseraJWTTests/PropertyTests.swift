import Foundation
import TesseraJWT
import TesseraTestSupport
import Testing

/// Claim names: often random text, sometimes a registered name (so the guards that keep them out
/// of the round trip are exercised).
private func randomName(_ generator: inout SeededGenerator) -> String {
    Int.random(in: 0..<4, using: &generator) == 0
        ? ["exp", "nbf", "iat", "aud", "iss", "sub", "jti", "scope"].randomElement(using: &generator)!
        : randomString(&generator)
}

/// JSON numbers as they occur on the wire: fractions, exponents, beyond 2^53, negative zero.
private let numberLiterals = ["0.5", "-1.25e3", "2E+10", "1e-7", "-0", "9007199254740993", "123456789012345678901234567890", "1e400"]

private func randomString(_ generator: inout SeededGenerator) -> String {
    let alphabet = Array("abcXYZ019 _-/\\\"é✓\u{1F600}\n\t")
    return String((0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
}

private func randomValue(_ generator: inout SeededGenerator, depth: Int = 0) -> JSONValue {
    switch Int.random(in: 0...(depth < 2 ? 5 : 3), using: &generator) {
    case 0: return .bool(Bool.random(using: &generator))
    case 1:
        return Bool.random(using: &generator)
            ? .int(Int.random(in: -1_000_000...1_000_000, using: &generator))
            : .number(JSONNumber(literal: numberLiterals.randomElement(using: &generator)!)!)
    case 2: return .string(randomString(&generator))
    case 3: return .null
    case 4: return .array((0..<Int.random(in: 0...3, using: &generator)).map { _ in randomValue(&generator, depth: depth + 1) })
    default:
        var object = JSONObject()
        for _ in 0..<Int.random(in: 0...3, using: &generator) { object[randomString(&generator)] = randomValue(&generator, depth: depth + 1) }
        return .object(object)
    }
}

@Suite("Properties")
struct PropertyTests {
    @Test("sign → verify returns exactly the claims signed, for random claims and every algorithm", arguments: JWTAlgorithm.allCases)
    func roundTrip(_ algorithm: JWTAlgorithm) throws {
        let ring = try JWTKeyRing(keys: [makeKey("a", algorithm)])
        let signer = JWTSigner(keyRing: ring)
        var options = accessOptions()
        options.audiences = []
        options.issuer = nil
        let verifier = JWTVerifier(keyRing: ring, options: options)
        var generator = SeededGenerator(state: propertySeed)
        for _ in 0..<200 {
            var claims = JWTClaims()
            for _ in 0..<Int.random(in: 0...6, using: &generator) {
                let name = randomName(&generator)
                guard !["exp", "nbf", "iat", "aud", "iss"].contains(name) else { continue }
                claims[name] = randomValue(&generator)
            }
            claims["exp"] = .int(Int(fixedNow) + 60)
            let verified = try verifier.verify(signer.sign(claims))
            #expect(verified.claims == claims, "seed \(propertySeed)")
            #expect(verified.kid == "a")
            #expect(verified.header["alg"] == .string(algorithm.rawValue))
        }
    }

    @Test("a registered time claim that is not a finite number is refused as invalidTimeClaim, whatever it is")
    func wrongTimeTypes() throws {
        let ring = try makeRing()
        let signer = JWTSigner(keyRing: ring)
        let verifier = JWTVerifier(keyRing: ring, options: accessOptions())
        var generator = SeededGenerator(state: propertySeed)
        for _ in 0..<200 {
            var claims = accessClaims()
            let name = ["exp", "nbf", "iat"].randomElement(using: &generator)!
            var value = randomValue(&generator)
            if case .number = value { value = .number(JSONNumber(literal: "1e400")!) }  // numbers only when they overflow
            claims[name] = value
            #expect(throws: JWTError.invalidTimeClaim, "\(name) = \(value), seed \(propertySeed)") { try verifier.verify(signer.sign(claims)) }
        }
    }

    @Test("time claims written as fractions or exponents are read as the numbers they are")
    func timeNumberForms() throws {
        let ring = try makeRing()
        let signer = JWTSigner(keyRing: ring)
        let verifier = JWTVerifier(keyRing: ring, options: accessOptions())
        for (literal, accepted) in [("\(Int(fixedNow) + 60).5", true), ("\(fixedNow + 60)e0", true), ("1.7e9", false), ("1e12", true)] {
            var claims = accessClaims()
            claims["exp"] = .number(JSONNumber(literal: literal)!)
            if accepted {
                #expect(throws: Never.self, "\(literal)") { try verifier.verify(signer.sign(claims)) }
            } else {
                #expect(throws: JWTError.expired, "\(literal)") { try verifier.verify(signer.sign(claims)) }
            }
        }
    }

    @Test("flipping any single bit of a valid token makes it invalid")
    func everyBitFlipRejected() throws {
        let verifier = JWTVerifier(keyRing: try makeRing(), options: accessOptions())
        let token = Array(try JWTSigner(keyRing: makeRing()).sign(accessClaims()).utf8)
        #expect(throws: Never.self) { try token.withUnsafeBytes { try verifier.verify($0) } }
        #expect((200...400).contains(token.count), "a typical access token is about 250-350 bytes")
        for index in token.indices {
            for bit in 0..<8 {
                var mutated = token
                mutated[index] ^= 1 << bit
                #expect(throws: JWTError.self, "bit \(bit) of byte \(index)") { try mutated.withUnsafeBytes { try verifier.verify($0) } }
            }
        }
    }
}
