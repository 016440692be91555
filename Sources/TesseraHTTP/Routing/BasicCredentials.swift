import Foundation

/// Client credentials in an `Authorization: Basic` header (RFC 7617 as RFC 6749 §2.3.1
/// profiles it: the id and the secret are each form-urlencoded, then joined with `:` and
/// base64-encoded).
public struct BasicCredentials: Sendable, Equatable {
    public let id: String
    public let secret: String

    /// Whether `header` names the Basic scheme (case-insensitive), well-formed or not.
    public static func isBasic(_ header: String) -> Bool { header.lowercased().hasPrefix("basic ") }

    /// The credentials of a Basic `header`; nil when it is not Basic or is malformed (bad
    /// base64 or UTF-8, no `:`, bad percent-encoding).
    public init?(header: String) {
        guard Self.isBasic(header),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":"),
            let id = FormData.decode(text[..<colon]), let secret = FormData.decode(text[text.index(after: colon)...])
        else { return nil }
        self.id = id
        self.secret = secret
    }
}
