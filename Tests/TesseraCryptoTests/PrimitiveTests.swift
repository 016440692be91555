import Foundation
import TesseraTestSupport
import Testing

@testable import TesseraCrypto

@Suite("Primitives")
struct PrimitiveTests {
    @Test("SHA-2 known answers for \"abc\" (FIPS 180-4 examples)")
    func sha2() throws {
        let abc = Array("abc".utf8)
        #expect(Hex.string(try HashFunction.sha256.hash(abc)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            Hex.string(try HashFunction.sha384.hash(abc)) == "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
        #expect(
            Hex.string(try HashFunction.sha512.hash(abc))
                == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
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

    @Test("secret bytes copy their input, never print it, and are zeroed by the wipe their deinit runs")
    func secretBytes() {
        var raw: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF]
        let secret = SecretBytes(raw)
        raw[0] = 0
        #expect(secret.withUnsafeBytes { Array($0) } == [0xDE, 0xAD, 0xBE, 0xEF], "a copy, not a view of the caller's array")
        #expect(secret.count == 4)
        #expect(!"\(secret)".contains("222") && !"\(secret)".lowercased().contains("dead"))
        #expect(secret.isEqual(to: SecretBytes([0xDE, 0xAD, 0xBE, 0xEF])))
        secret.wipe()
        #expect(secret.withUnsafeBytes { Array($0) } == [0, 0, 0, 0])
    }
}
