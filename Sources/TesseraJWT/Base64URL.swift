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
    public static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { encode($0) }
    }

    /// Encodes `bytes` without padding.
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        var output: [UInt8] = []
        append(bytes, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Length of the unpadded encoding of `count` bytes.
    public static func encodedLength(_ count: Int) -> Int { (count * 4 + 2) / 3 }

    /// Appends the unpadded encoding of `bytes` to `output`.
    public static func append(_ bytes: [UInt8], to output: inout [UInt8]) {
        bytes.withUnsafeBytes { append($0, to: &output) }
    }

    /// Appends the unpadded encoding of `bytes` to `output`.
    public static func append(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        let start = output.count
        let length = encodedLength(bytes.count)
        output.append(contentsOf: repeatElement(0, count: length))
        output.withUnsafeMutableBufferPointer { buffer in
            alphabet.withUnsafeBufferPointer { alphabet in
                var out = start
                var input = 0
                while bytes.count - input >= 3 {
                    let b0 = bytes[input]
                    let b1 = bytes[input + 1]
                    let b2 = bytes[input + 2]
                    buffer[out] = alphabet[Int(b0 >> 2)]
                    buffer[out + 1] = alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)]
                    buffer[out + 2] = alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)]
                    buffer[out + 3] = alphabet[Int(b2 & 0x3F)]
                    input += 3
                    out += 4
                }
                switch bytes.count - input {
                case 1:
                    let b0 = bytes[input]
                    buffer[out] = alphabet[Int(b0 >> 2)]
                    buffer[out + 1] = alphabet[Int((b0 & 0x03) << 4)]
                case 2:
                    let b0 = bytes[input]
                    let b1 = bytes[input + 1]
                    buffer[out] = alphabet[Int(b0 >> 2)]
                    buffer[out + 1] = alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)]
                    buffer[out + 2] = alphabet[Int((b1 & 0x0F) << 2)]
                default:
                    break
                }
            }
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
            var input = 0
            var out = 0
            var bad: UInt8 = 0
            while encoded.count - input >= 4 {
                let a = table[Int(encoded[input])]
                let b = table[Int(encoded[input + 1])]
                let c = table[Int(encoded[input + 2])]
                let d = table[Int(encoded[input + 3])]
                bad |= (a | b | c | d) & 0xC0
                output[out] = a << 2 | b >> 4
                output[out + 1] = b << 4 | c >> 2
                output[out + 2] = c << 6 | d
                input += 4
                out += 3
            }
            switch encoded.count - input {
            case 2:
                let a = table[Int(encoded[input])]
                let b = table[Int(encoded[input + 1])]
                bad |= (a | b) & 0xC0
                bad |= b & 0x0F == 0 ? 0 : 0x80
                output[out] = a << 2 | b >> 4
            case 3:
                let a = table[Int(encoded[input])]
                let b = table[Int(encoded[input + 1])]
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
