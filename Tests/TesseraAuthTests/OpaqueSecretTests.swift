import TesseraAuth
import Testing

/// The stored form of refresh tokens, cookie secrets and client secrets.
@Suite("Opaque secrets")
struct OpaqueSecretTests {
    @Test("the stored hash is lower-case hex SHA-256 (FIPS 180-2 \"abc\" and empty-string vectors)")
    func knownAnswers() throws {
        #expect(try OpaqueSecret.storedHash(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try OpaqueSecret.storedHash(of: "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("a new secret is 43 base64url characters, differs each time, and matches only itself")
    func generated() throws {
        let first = try OpaqueSecret.generate()
        let second = try OpaqueSecret.generate()
        #expect(first.value.utf8.count == 43 && first.value != second.value)
        #expect(first.value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        #expect(first.storedHash == (try OpaqueSecret.storedHash(of: first.value)))
        #expect(try OpaqueSecret.matches(first.value, storedHash: first.storedHash))
        #expect(try !OpaqueSecret.matches(second.value, storedHash: first.storedHash))
    }
}
