import Foundation

/// `application/x-www-form-urlencoded` (the URL Standard): `+` is a space, `%XX` a byte.
public enum FormData {
    /// Name/value pairs; a repeated name keeps its first value. Returns nil for invalid
    /// percent-encoding or UTF-8, so a malformed body is a clear 400.
    public static func parseStrict(_ text: String) -> [String: [String]]? {
        var result: [String: [String]] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { return nil }
            result[name, default: []].append(value)
        }
        return result
    }

    /// Lenient variant for query strings: undecodable pairs are skipped.
    public static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { continue }
            if result[name] == nil { result[name] = value }
        }
        return result
    }

    /// One form-urlencoded name or value; nil for invalid percent-encoding or UTF-8.
    static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
