import Foundation
import TesseraCrypto
import TesseraTestSupport
import Testing

private struct WycheproofSignatureFile: Decodable {
    struct Group: Decodable {
        let publicKeyDer: String
        let tests: [Test]
    }
    struct Test: Decodable {
        let tcId: Int
        let comment, msg, sig, result: String
    }
    let testGroups: [Group]
}

extension AsymmetricKey {
    func sign(_ message: [UInt8], _ scheme: SignatureScheme) throws -> [UInt8] { try message.withUnsafeBytes { try sign($0, scheme: scheme) } }
    func verifies(_ signature: [UInt8], _ message: [UInt8], _ scheme: SignatureScheme) -> Bool {
        signature.withUnsafeBytes { s in message.withUnsafeBytes { m in isValidSignature(s, for: m, scheme: scheme) } }
    }
}

@Suite("Asymmetric signatures")
struct SignatureTests {
    @Test(
        "Wycheproof: every valid signature verifies, every invalid one is refused",
        arguments: [
            ("wycheproof/ecdsa_secp256r1_sha256_p1363_test.json", SignatureScheme.ecdsaP256SHA256),
            ("wycheproof/ecdsa_secp384r1_sha384_p1363_test.json", .ecdsaP384SHA384),
            ("wycheproof/ed25519_test.json", .ed25519),
            ("wycheproof/rsa_signature_2048_sha256_test.json", .rsaPKCS1SHA256),
            ("wycheproof/rsa_pss_2048_sha256_mgf1_32_test.json", .rsaPSSSHA256),
        ])
    func wycheproof(_ file: String, _ scheme: SignatureScheme) throws {
        let vectors = Vectors.load(WycheproofSignatureFile.self, file)
        var checked = 0
        for group in vectors.testGroups {
            let key = try AsymmetricKey(publicKeyDER: Hex.bytes(group.publicKeyDer))
            #expect(!key.isPrivate)
            for test in group.tests where test.result != "acceptable" {
                let verified = key.verifies(Hex.bytes(test.sig), Hex.bytes(test.msg), scheme)
                #expect(verified == (test.result == "valid"), "tcId \(test.tcId) \(test.comment)")
                checked += 1
            }
        }
        #expect(checked >= 100)
    }

    @Test("sign then verify for every scheme; JWS signature sizes; another message or key fails", arguments: SignatureScheme.allCases)
    func roundTrip(_ scheme: SignatureScheme) throws {
        let key = try AsymmetricKey.generate(scheme.keyType)
        let message = Array("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0".utf8)
        let signature = try key.sign(message, scheme)
        let size: Int =
            switch scheme {
            case .ecdsaP256SHA256, .ed25519: 64
            case .ecdsaP384SHA384: 96
            case .rsaPKCS1SHA256, .rsaPSSSHA256: 256
            }
        #expect(signature.count == size)
        let publicKey = try key.publicKey()
        #expect(!publicKey.isPrivate && publicKey.type == key.type)
        #expect(publicKey.verifies(signature, message, scheme))
        #expect(!publicKey.verifies(signature, message + [0x20], scheme))
        #expect(!(try AsymmetricKey.generate(scheme.keyType)).verifies(signature, message, scheme))
        var flipped = signature
        flipped[flipped.count / 2] ^= 0x01
        #expect(!publicKey.verifies(flipped, message, scheme))
        #expect(throws: CryptoError.unsupportedKey) { try publicKey.sign(message, scheme) }
    }

    @Test("a key verifies and signs with its own scheme only: no ES384 with a P-256 key, no PS256 for an RS256 signature")
    func schemePinnedToKey() throws {
        let p256 = try AsymmetricKey.generate(.ec(.p256))
        let message = Array("m".utf8)
        #expect(throws: CryptoError.unsupportedKey) { try p256.sign(message, .ecdsaP384SHA384) }
        #expect(!p256.verifies(try p256.sign(message, .ecdsaP256SHA256), message, .ed25519))
        let rsa = try AsymmetricKey.generate(.rsa)
        #expect(!rsa.verifies(try rsa.sign(message, .rsaPKCS1SHA256), message, .rsaPSSSHA256))
        #expect(!rsa.verifies(try rsa.sign(message, .rsaPSSSHA256), message, .rsaPKCS1SHA256))
    }

    @Test("an ECDSA signature in DER (the form OpenSSL speaks) or of the wrong length is refused: JWS uses r‖s")
    func ecdsaEncoding() throws {
        let key = try AsymmetricKey.generate(.ec(.p256))
        let message = Array("m".utf8)
        let raw = try key.sign(message, .ecdsaP256SHA256)
        #expect(key.verifies(raw, message, .ecdsaP256SHA256))
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            let trimmed = Array(bytes.drop { $0 == 0 })
            let body = trimmed.first.map { $0 >= 0x80 } == true ? [0] + trimmed : trimmed
            return [0x02, UInt8(body.count)] + body
        }
        let sequence = integer(raw[0..<32]) + integer(raw[32...])
        #expect(!key.verifies([0x30, UInt8(sequence.count)] + sequence, message, .ecdsaP256SHA256))
        #expect(!key.verifies(Array(raw.dropLast()), message, .ecdsaP256SHA256))
        #expect(!key.verifies([0] + raw, message, .ecdsaP256SHA256))
        #expect(!key.verifies([UInt8](repeating: 0, count: 64), message, .ecdsaP256SHA256))
    }

    @Test("JWK members round-trip for every key type; a private part that does not match the public one is refused")
    func jwkComponents() throws {
        for type in [AsymmetricKey.KeyType.ec(.p256), .ec(.p384), .ed25519, .rsa] {
            let key = try AsymmetricKey.generate(type)
            let members = try key.publicComponents()
            let secrets = try key.privateComponents()
            let rebuilt: AsymmetricKey
            let mismatched: () throws -> AsymmetricKey
            let other = try AsymmetricKey.generate(type).privateComponents()
            switch type {
            case let .ec(curve):
                rebuilt = try AsymmetricKey(curve: curve, x: members["x"]!, y: members["y"]!, d: secrets["d"])
                mismatched = { try AsymmetricKey(curve: curve, x: members["x"]!, y: members["y"]!, d: other["d"]) }
            case .ed25519:
                rebuilt = try AsymmetricKey(ed25519PublicKey: members["x"]!, privateKey: secrets["d"])
                mismatched = { try AsymmetricKey(ed25519PublicKey: members["x"]!, privateKey: other["d"]) }
            case .rsa:
                rebuilt = try AsymmetricKey(rsaModulus: members["n"]!, exponent: members["e"]!, privateParts: secrets)
                mismatched = { try AsymmetricKey(rsaModulus: members["n"]!, exponent: members["e"]!, privateParts: other) }
            }
            #expect(rebuilt.isPrivate && rebuilt.type == type)
            #expect(try rebuilt.publicComponents() == members)
            #expect(throws: (any Error).self, "\(type)") { try mismatched() }
        }
    }

    @Test("RSA keys under 2048 bits and other curves are refused")
    func weakKeys() throws {
        #expect(throws: CryptoError.unsupportedKey) { try AsymmetricKey.generate(.rsa, rsaBits: 1024) }
        #expect(throws: CryptoError.unsupportedKey, "a verifier's cost is bounded") { try AsymmetricKey.generate(.rsa, rsaBits: 16384) }
        // An encrypted key is refused at once: OpenSSL's default would prompt on the terminal
        // (or read stdin), which would hang `tessera keys import`.
        #expect(throws: CryptoError.unsupportedKey) { try AsymmetricKey(pem: Self.encrypted) }
        // A 1024-bit RSA public key and a secp256k1 key (openssl genpkey), as SubjectPublicKeyInfo PEM.
        #expect(throws: CryptoError.unsupportedKey) { try AsymmetricKey(pem: Self.rsa1024) }
        #expect(throws: CryptoError.unsupportedKey) { try AsymmetricKey(pem: Self.secp256k1) }
        #expect(throws: (any Error).self) { try AsymmetricKey(pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n") }
        #expect(throws: CryptoError.unsupportedKey) {
            try AsymmetricKey(curve: .p256, x: [UInt8](repeating: 1, count: 31), y: [UInt8](repeating: 1, count: 32))
        }
        // A point that is not on the curve.
        #expect(throws: (any Error).self) { try AsymmetricKey(curve: .p256, x: [UInt8](repeating: 1, count: 32), y: [UInt8](repeating: 1, count: 32)) }
    }

    @Test("RFC 8037 A.4: the Ed25519 signature of the example JWS is byte for byte the RFC's")
    func rfc8037() throws {
        let d = Base64URLTestDecoding.decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
        let x = Base64URLTestDecoding.decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
        let key = try AsymmetricKey(ed25519PublicKey: x, privateKey: SecretBytes(d))
        let signingInput = Array("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc".utf8)
        let expected = Base64URLTestDecoding.decode("hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")
        #expect(try key.sign(signingInput, .ed25519) == expected)
        #expect(try key.publicKey().verifies(expected, signingInput, .ed25519))
    }

    static let rsa1024 = """
        -----BEGIN PUBLIC KEY-----
        MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDoHxkqyTTDXtDZa2iPbwp6LPQj
        BJwIFqUwI9I5ScDwED4mymtx7F8a8vvQoz8D/R24CtgMqb7znmSrNSzJ3sdBzCmb
        zklO4zgs0FuE/iTwGee6MflHHffcH66EWAwwqqdJzrpnTvtjk5ObTq9bPkPtHDgx
        w8r3RJFp89lCqmzDGQIDAQAB
        -----END PUBLIC KEY-----
        """
    static let encrypted = """
        -----BEGIN ENCRYPTED PRIVATE KEY-----
        MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiYf5qbfR9g3QICCAAw
        DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEG9sbTExdbjd3yVYBpRKdq8EgZCs
        I6J72AUH00CgPlIxaLamht5o078j+bIjFS6MGNhr0ipm/O8MhbJ6ObB5aC6BTYtf
        S+10HxGCt5fVdfVTTtZmJJMBUiigxvmmQx5t3fpjMNawoiOjw2oD1Oj+LK5mhWbi
        jrgo6HMTEOzJs8fv24b64LkokH8KVcEnV8tJe2DCIxoszqHNINNO9jjgvMCvyYM=
        -----END ENCRYPTED PRIVATE KEY-----
        """
    static let secp256k1 = """
        -----BEGIN PUBLIC KEY-----
        MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEP1O9HfZdWaYlMjE3UKI3mUxqPyu5D8ME
        zTOB1/zLi9XO4Y+IUWQKd+kU9P62tHUPmMBztGRIiUN55nfjjc3XWQ==
        -----END PUBLIC KEY-----
        """
}

/// Base64url without padding, for the RFC examples.
enum Base64URLTestDecoding {
    static func decode(_ text: String) -> [UInt8] {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return [UInt8](Data(base64Encoded: base64)!)
    }
}
