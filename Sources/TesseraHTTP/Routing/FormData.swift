/// `application/x-www-form-urlencoded` (the URL Standard): `+` is a space, `%XX` a byte.
/// Decoded byte by byte, without Foundation: a gateway may post a form on every request it
/// serves (introspection), and bridging to `NSString` cost more than the rest of the request.
public enum FormData {
    /// Name/value pairs; a repeated name keeps its first value. Returns nil for invalid
    /// percent-encoding or UTF-8, so a malformed body is a clear 400.
    public static func parseStrict(_ text: String) -> [String: [String]]? {
        var result: [String: [String]] = [:]
        for pair in text.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let (name, value) = halves(pair)
            guard let name = decode(name), let value = decode(value) else { return nil }
            result[name, default: []].append(value)
        }
        return result
    }

    /// Lenient variant for query strings: undecodable pairs are skipped.
    public static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.utf8.split(separator: UInt8(ascii: "&")) {
            let (name, value) = halves(pair)
            guard let name = decode(name), let value = decode(value) else { continue }
            if result[name] == nil { result[name] = value }
        }
        return result
    }

    /// One form-urlencoded name or value; nil for invalid percent-encoding or UTF-8.
    static func decode(_ text: Substring) -> String? { decode(text.utf8[...]) }

    /// The name before the first `=` and the value after it (empty when there is none).
    private static func halves(_ pair: Substring.UTF8View.SubSequence) -> (Substring.UTF8View.SubSequence, Substring.UTF8View.SubSequence) {
        guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return (pair, pair[pair.endIndex...]) }
        return (pair[..<equals], pair[pair.index(after: equals)...])
    }

    private static func decode<Bytes: Collection>(_ bytes: Bytes) -> String? where Bytes.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            bytes.formIndex(after: &index)
            switch byte {
            case UInt8(ascii: "+"):
                output.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index != bytes.endIndex, let high = hexValue(bytes[index]) else { return nil }
                bytes.formIndex(after: &index)
                guard index != bytes.endIndex, let low = hexValue(bytes[index]) else { return nil }
                bytes.formIndex(after: &index)
                output.append(high << 4 | low)
            default:
                output.append(byte)
            }
        }
        return String(validating: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
