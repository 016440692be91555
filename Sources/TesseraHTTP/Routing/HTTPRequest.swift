import Foundation
import NIOHTTP1

/// A complete request as it arrived: head, body and where it came from. What the pipeline
/// learns about it is kept in its `RequestContext`.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The path without the query string, percent-encoding kept.
    public var path: String
    /// Query parameters (first value wins).
    public var query: [String: String]
    /// The query string as sent, without the `?`, for endpoints that must see every value.
    public var queryString: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The client's IP address, as text.
    public var remoteIP: String

    /// A request; `uri` may carry a query string.
    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], remoteIP: String = "127.0.0.1") {
        self.method = method
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts[0])
        queryString = parts.count > 1 ? String(parts[1]) : ""
        query = FormData.parse(queryString)
        self.headers = headers
        self.body = body
        self.remoteIP = remoteIP
    }

    /// The bearer token of an `Authorization: Bearer …` header (RFC 6750 §2.1).
    public var bearerToken: String? {
        guard let value = headers.first(name: "authorization") else { return nil }
        // "Bearer" (any case), one or more spaces, the token; no Foundation on this hot path.
        let utf8 = value.utf8
        guard utf8.count > 7, utf8.prefix(6).elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }) else { return nil }
        let rest = utf8.dropFirst(6)
        guard rest.first == UInt8(ascii: " ") else { return nil }
        let token = rest.drop { $0 == UInt8(ascii: " ") }.prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
        return token.isEmpty ? nil : String(Substring(token))
    }

    /// The media type of the body, lower-cased, without parameters.
    public var contentType: String? {
        guard let value = headers.first(name: "content-type") else { return nil }
        // Bytes, not Foundation: this runs for every form post.
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let media = value.utf8.prefix { $0 != UInt8(ascii: ";") }.drop(while: isSpace)
        let trimmed = media.prefix(media.count - media.reversed().prefix(while: isSpace).count)
        return String(decoding: trimmed.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
