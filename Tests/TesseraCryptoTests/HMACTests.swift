import Foundation
import TesseraCrypto
import TesseraTestSupport
import Testing

// Member names mirror the vector files' JSON keys.
// swift-format-ignore: AlwaysUseLowerCamelCase
private struct RFC4231File: Decodable, Sendable {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let name, algorithm, key_hex, data_hex, mac_hex: String
        let truncated_to_bits: Int?
        var testDescription: String { name }
    }
    let cases: [Case]
}

private struct WycheproofMACFile: Decodable {
    struct Group: Decodable {
        let keySize, tagSize: Int
        let tests: [Test]
    }
    struct Test: Decodable {
        let tcId: Int
        let key, msg, tag, result: String
    }
    let testGroups: [Group]
}

private func hashFunction(named name: String) -> HashFunction {
    switch name {
    case "HMAC-SHA-256": .sha256
    case "HMAC-SHA-384": .sha384
    default: .sha512
    }
}

@Suite("HMAC known answers")
struct HMACTests {
    @Test("RFC 4231", arguments: Vectors.load(RFC4231File.self, "hmac_rfc4231.json").cases)
    fileprivate func rfc4231(_ vector: RFC4231File.Case) throws {
        let key = try HMACKey(SecretBytes(Hex.bytes(vector.key_hex)), hashFunction: hashFunction(named: vector.algorithm), allowShortKey: true)
        let mac = try key.authenticationCode(for: Hex.bytes(vector.data_hex))
        let expected = Hex.bytes(vector.mac_hex)
        if let bits = vector.truncated_to_bits {
            #expect(Array(mac.prefix(bits / 8)) == expected)
            // A truncated tag is never accepted as a full one.
            #expect(!key.isValidAuthenticationCode(expected, for: Hex.bytes(vector.data_hex)))
        } else {
            #expect(mac == expected)
            #expect(key.isValidAuthenticationCode(expected, for: Hex.bytes(vector.data_hex)))
        }
    }

    @Test(
        "Wycheproof",
        arguments: [
            ("wycheproof/hmac_sha256_test.json", HashFunction.sha256),
            ("wycheproof/hmac_sha384_test.json", .sha384),
            ("wycheproof/hmac_sha512_test.json", .sha512),
        ])
    func wycheproof(_ file: String, _ function: HashFunction) throws {
        let groups = Vectors.load(WycheproofMACFile.self, file).testGroups
        var checked = 0
        for group in groups {
            for test in group.tests {
                let key = try HMACKey(SecretBytes(Hex.bytes(test.key)), hashFunction: function, allowShortKey: true)
                let message = Hex.bytes(test.msg)
                let tag = Hex.bytes(test.tag)
                let full = try key.authenticationCode(for: message)
                // Tessera only accepts full-length tags; Wycheproof's truncated-tag groups are
                // checked against the prefix of the full MAC.
                let matches = Array(full.prefix(tag.count)) == tag && tag.count == group.tagSize / 8
                #expect(matches == (test.result == "valid"), "tcId \(test.tcId)")
                if group.tagSize / 8 == function.digestSize {
                    #expect(key.isValidAuthenticationCode(tag, for: message) == (test.result == "valid"), "tcId \(test.tcId)")
                } else {
                    #expect(!key.isValidAuthenticationCode(tag, for: message), "truncated tag accepted, tcId \(test.tcId)")
                }
                checked += 1
            }
        }
        #expect(checked > 100)
    }

    @Test("keys shorter than the hash output are refused", arguments: HashFunction.allCases)
    func shortKeyRefused(_ function: HashFunction) {
        #expect(throws: CryptoError.keyTooShort) {
            try HMACKey(SecretBytes([UInt8](repeating: 1, count: function.digestSize - 1)), hashFunction: function)
        }
    }

    @Test("a reused key gives the same MAC from many threads at once")
    func concurrentUse() async throws {
        let key = try HMACKey(SecretBytes([UInt8](repeating: 7, count: 32)), hashFunction: .sha256)
        let expected = try key.authenticationCode(for: Array("message".utf8))
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<500 where try key.authenticationCode(for: Array("message".utf8)) != expected { return false }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
