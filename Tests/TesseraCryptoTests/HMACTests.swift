import Foundation
import Testing
import TesseraCrypto
import TesseraTestSupport

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

    @Test("Wycheproof", arguments: [
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

@Suite("Primitives")
struct PrimitiveTests {
    @Test("SHA-2 known answers for \"abc\" (FIPS 180-4 examples)")
    func sha2() throws {
        let abc = Array("abc".utf8)
        #expect(Hex.string(try HashFunction.sha256.hash(abc)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.string(try HashFunction.sha384.hash(abc)) == "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
        #expect(Hex.string(try HashFunction.sha512.hash(abc)).hasPrefix("ddaf35a193617abacc417349ae204131"))
    }

    @Test("CSPRNG output has the asked length and differs between calls")
    func random() throws {
        let a = try SecureRandom.bytes(count: 32), b = try SecureRandom.bytes(count: 32)
        #expect(a.count == 32 && b.count == 32 && a != b)
        #expect(try SecureRandom.bytes(count: 0).isEmpty)
    }

    @Test("constant-time comparison")
    func compare() {
        #expect(ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        #expect(ConstantTime.equals([] as [UInt8], [] as [UInt8]))
    }

    @Test("secret bytes never print their contents and wipe copies")
    func secretBytes() {
        var raw: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF]
        let secret = SecretBytes(raw)
        ConstantTime.wipe(&raw)
        #expect(raw == [0, 0, 0, 0])
        #expect(secret.count == 4)
        #expect(!"\(secret)".contains("222") && !"\(secret)".lowercased().contains("dead"))
        #expect(secret.withUnsafeBytes { Array($0) } == [0xDE, 0xAD, 0xBE, 0xEF])
        #expect(secret.isEqual(to: SecretBytes([0xDE, 0xAD, 0xBE, 0xEF])))
    }
}
