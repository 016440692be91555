import Foundation
import TesseraCrypto
import TesseraTestSupport
import Testing

@Suite("Primitives")
struct PrimitiveTests {
    @Test("SHA-2 known answers for \"abc\" (FIPS 180-4 examples)")
    func sha2() throws {
        let abc = Array("abc".utf8)
        #expect(Hex.string(try HashFunction.sha256.hash(abc)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            Hex.string(try HashFunction.sha384.hash(abc)) == "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
        #expect(Hex.string(try HashFunction.sha512.hash(abc)).hasPrefix("ddaf35a193617abacc417349ae204131"))
    }

    @Test("CSPRNG output has the asked length and differs between calls")
    func random() throws {
        let a = try SecureRandom.bytes(count: 32)
        let b = try SecureRandom.bytes(count: 32)
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
