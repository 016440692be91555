import TesseraCrypto
import TesseraJWT

/// A bearer secret only its holder knows (refresh tokens, session cookies, client secrets):
/// 256 random bits, base64url (43 characters). The store keeps its SHA-256 in hex, never the
/// secret, so a leaked database grants nothing.
public struct OpaqueSecret: Sendable {
    /// What the holder presents.
    public let value: String
    /// What the store keeps.
    public let storedHash: String

    /// A new secret; the random bytes are wiped once encoded.
    public static func generate() throws -> OpaqueSecret {
        var bytes = try SecureRandom.bytes(count: 32)
        defer { ConstantTime.wipe(&bytes) }
        let value = Base64URL.encode(bytes)
        return OpaqueSecret(value: value, storedHash: try storedHash(of: value))
    }

    /// The stored form of a presented secret: lower-case hex SHA-256 of its UTF-8 bytes.
    public static func storedHash(of presented: String) throws -> String {
        hex(try HashFunction.sha256.hash(Array(presented.utf8)))
    }

    /// Whether `presented` is the secret whose stored hash is `expected`, compared in constant time.
    public static func matches(_ presented: String, storedHash expected: String) throws -> Bool {
        ConstantTime.equals(Array(try storedHash(of: presented).utf8), Array(expected.utf8))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
