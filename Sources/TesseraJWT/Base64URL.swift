/// Strict unpadded base64url (RFC 4648 §5, RFC 7515 §2): no padding, no whitespace, no characters
/// outside the URL-safe alphabet, and unused trailing bits must be zero, so every byte string has
/// exactly one accepted encoding.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let invalid: UInt8 = 0xFF
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = UInt8(index) }
        return table
    }()

    /// Encodes `bytes` without padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output = [UInt8]()
        output.reserveCapacity(encodedLength(bytes.count))
        append(bytes, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Length of the unpadded encoding of `count` bytes.
    public static func encodedLength(_ count: Int) -> Int { (count * 4 + 2) / 3 }

    /// Appends the unpadded encoding of `bytes` to `output`.
    public static func append(_ bytes: some Collection<UInt8>, to output: inout [UInt8]) {
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next(), b2 = iterator.next()
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            guard let b1 else { break }
            output.append(alphabet[Int((b1 & 0x0F) << 2 | (b2 ?? 0) >> 6)])
            guard let b2 else { break }
            output.append(alphabet[Int(b2 & 0x3F)])
        }
    }

    /// Length of the bytes encoded by `count` characters, or nil when no strict encoding has that
    /// length.
    public static func decodedLength(_ count: Int) -> Int? {
        count % 4 == 1 ? nil : count / 4 * 3 + max(count % 4 - 1, 0)
    }

    /// Decodes strict base64url text, or returns nil.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBytes { decode(UnsafeRawBufferPointer($0)) }
    }

    /// Decodes strict base64url bytes, or returns nil.
    public static func decode(_ encoded: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let length = decodedLength(encoded.count) else { return nil }
        var ok = true
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            ok = decode(encoded, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = ok ? length : 0
        }
        return ok ? bytes : nil
    }

    /// Decodes strict base64url bytes into `output`, which must hold exactly
    /// `decodedLength(encoded.count)` bytes. Returns false for anything not strictly encoded.
    public static func decode(_ encoded: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard let length = decodedLength(encoded.count), output.count == length else { return false }
        return decodeTable.withUnsafeBufferPointer { table in
            var input = 0, out = 0
            var bad: UInt8 = 0
            while encoded.count - input >= 4 {
                let a = table[Int(encoded[input])], b = table[Int(encoded[input + 1])]
                let c = table[Int(encoded[input + 2])], d = table[Int(encoded[input + 3])]
                bad |= (a | b | c | d) & 0xC0
                output[out] = a << 2 | b >> 4
                output[out + 1] = b << 4 | c >> 2
                output[out + 2] = c << 6 | d
                input += 4
                out += 3
            }
            switch encoded.count - input {
            case 2:
                let a = table[Int(encoded[input])], b = table[Int(encoded[input + 1])]
                bad |= (a | b) & 0xC0
                bad |= b & 0x0F == 0 ? 0 : 0x80
                output[out] = a << 2 | b >> 4
            case 3:
                let a = table[Int(encoded[input])], b = table[Int(encoded[input + 1])]
                let c = table[Int(encoded[input + 2])]
                bad |= (a | b | c) & 0xC0
                bad |= c & 0x03 == 0 ? 0 : 0x80
                output[out] = a << 2 | b >> 4
                output[out + 1] = b << 4 | c >> 2
            default:
                break
            }
            return bad == 0
        }
    }
}
