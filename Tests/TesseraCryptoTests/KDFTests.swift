import Foundation
import TesseraCrypto
import TesseraTestSupport
import Testing

// Member names mirror the vector files' JSON keys.
// swift-format-ignore: AlwaysUseLowerCamelCase
private struct KDFFile: Decodable, Sendable {
    struct Scrypt: Decodable, Sendable, CustomTestStringConvertible {
        let name, password_hex, salt_hex, dk_hex: String
        let N, r, p, dkLen: Int
        let slow: Bool
        var testDescription: String { name }
    }
    struct PBKDF2: Decodable, Sendable, CustomTestStringConvertible {
        let name, password_hex, salt_hex, dk_hex: String
        let iterations, dkLen: Int
        let slow: Bool
        var testDescription: String { name }
    }
    struct Cases<T: Decodable & Sendable>: Decodable, Sendable { let cases: [T] }
    let scrypt_rfc7914: Cases<Scrypt>
    let pbkdf2_hmac_sha256: Cases<PBKDF2>
}

private struct WycheproofPBKDF2File: Decodable {
    struct Group: Decodable { let tests: [Test] }
    struct Test: Decodable {
        let tcId, iterationCount, dkLen: Int
        let password, salt, dk, result: String
    }
    let testGroups: [Group]
}

private let kdfVectors = Vectors.load(KDFFile.self, "kdf_vectors.json")

@Suite("Key derivation known answers")
struct KDFTests {
    @Test("RFC 7914 scrypt", arguments: kdfVectors.scrypt_rfc7914.cases.filter { !$0.slow })
    fileprivate func scrypt(_ vector: KDFFile.Scrypt) throws {
        try checkScrypt(vector)
    }

    @Test(
        "RFC 7914 scrypt, ~1 GiB vectors (TESSERA_SLOW_VECTORS=1)", .enabled(if: slowVectorsEnabled),
        arguments: kdfVectors.scrypt_rfc7914.cases.filter(\.slow))
    fileprivate func slowScrypt(_ vector: KDFFile.Scrypt) throws {
        try checkScrypt(vector)
    }

    private func checkScrypt(_ vector: KDFFile.Scrypt) throws {
        let password = Hex.bytes(vector.password_hex)
        let salt = Hex.bytes(vector.salt_hex)
        let dk = try password.withUnsafeBytes { password in
            try salt.withUnsafeBytes { salt in
                try KDF.scrypt(password: password, salt: salt, n: UInt64(vector.N), r: UInt32(vector.r), p: UInt32(vector.p), length: vector.dkLen)
            }
        }
        #expect(Hex.string(dk) == vector.dk_hex)
    }

    @Test("RFC 7914 PBKDF2-HMAC-SHA256", arguments: kdfVectors.pbkdf2_hmac_sha256.cases.filter { !$0.slow })
    fileprivate func pbkdf2(_ vector: KDFFile.PBKDF2) throws {
        #expect(Hex.string(try derivePBKDF2(vector.password_hex, vector.salt_hex, vector.iterations, vector.dkLen)) == vector.dk_hex)
    }

    @Test(
        "PBKDF2-HMAC-SHA256, 2^24 rounds (TESSERA_SLOW_VECTORS=1)", .enabled(if: slowVectorsEnabled),
        arguments: kdfVectors.pbkdf2_hmac_sha256.cases.filter(\.slow))
    fileprivate func slowPBKDF2(_ vector: KDFFile.PBKDF2) throws {
        #expect(Hex.string(try derivePBKDF2(vector.password_hex, vector.salt_hex, vector.iterations, vector.dkLen)) == vector.dk_hex)
    }

    @Test("Wycheproof PBKDF2-HMAC-SHA256")
    func wycheproofPBKDF2() throws {
        let tests = Vectors.load(WycheproofPBKDF2File.self, "wycheproof/pbkdf2_hmacsha256_test.json").testGroups.flatMap(\.tests)
        for test in tests {
            let dk = try derivePBKDF2(test.password, test.salt, test.iterationCount, test.dkLen)
            #expect((Hex.string(dk) == test.dk) == (test.result == "valid"), "tcId \(test.tcId)")
        }
        #expect(tests.count >= 50)
    }

    @Test("scrypt parameters that are not a power of two or need too much memory are refused")
    func scryptLimits() {
        for (n, r, p) in [(UInt64(1000), UInt32(8), UInt32(1)), (1 << 22, 8, 1), (1 << 10, 0, 1)] {
            #expect(throws: CryptoError.unsupportedParameters) {
                try [UInt8]().withUnsafeBytes { empty in try KDF.scrypt(password: empty, salt: empty, n: n, r: r, p: p, length: 32) }
            }
        }
    }
}

private func derivePBKDF2(_ passwordHex: String, _ saltHex: String, _ iterations: Int, _ length: Int) throws -> [UInt8] {
    let password = Hex.bytes(passwordHex)
    let salt = Hex.bytes(saltHex)
    return try password.withUnsafeBytes { password in
        try salt.withUnsafeBytes { salt in
            try KDF.pbkdf2(password: password, salt: salt, hashFunction: .sha256, iterations: UInt64(iterations), length: length)
        }
    }
}
