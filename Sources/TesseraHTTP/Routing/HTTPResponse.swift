import Foundation
import NIOHTTP1
import TesseraJWT

/// A complete response. Every response gets `Content-Length` and `X-Content-Type-Options: nosniff`
/// when it is written.
public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON body.
    public static func json(_ object: JSONObject, status: HTTPResponseStatus = .ok) -> HTTPResponse {
        var body: [UInt8] = []
        object.serialize(into: &body)
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: body)
    }

    /// An RFC 9457 problem document.
    public static func problem(
        _ status: HTTPResponseStatus, title: String, detail: String? = nil, field: String? = nil, rule: String? = nil
    ) -> HTTPResponse {
        var object: JSONObject = ["type": .string("about:blank"), "title": .string(title), "status": .int(Int(status.code))]
        if let detail { object["detail"] = .string(detail) }
        if let field { object["field"] = .string(field) }
        if let rule { object["rule"] = .string(rule) }
        var response = json(object, status: status)
        response.headers.replaceOrAdd(name: "Content-Type", value: "application/problem+json")
        return response
    }

    /// An RFC 6749 §5.2 error; 401 with `WWW-Authenticate: Basic` for a failed Basic client login.
    public static func oauthError(_ code: String, description: String? = nil, status: HTTPResponseStatus = .badRequest) -> HTTPResponse {
        var object: JSONObject = ["error": .string(code)]
        if let description { object["error_description"] = .string(description) }
        var response = json(object, status: status)
        response.noStore()
        return response
    }

    /// An RFC 6750 §3 bearer challenge.
    public static func bearerChallenge(_ error: String?, description: String? = nil, status: HTTPResponseStatus = .unauthorized) -> HTTPResponse {
        var challenge = #"Bearer realm="tessera""#
        if let error { challenge += #", error="\#(error)""# }
        if let description { challenge += #", error_description="\#(description.replacingOccurrences(of: "\"", with: "'"))""# }
        var response: HTTPResponse
        if let error {
            var object: JSONObject = ["error": .string(error)]
            if let description { object["error_description"] = .string(description) }
            response = json(object, status: status)
        } else {
            // No credentials: a bare challenge without error information (RFC 6750 §3.1).
            response = .problem(status, title: status.reasonPhrase)
        }
        response.headers.replaceOrAdd(name: "WWW-Authenticate", value: challenge)
        return response
    }

    /// Marks the response as carrying a token (RFC 6749 §5.1): never cached.
    public mutating func noStore() {
        headers.replaceOrAdd(name: "Cache-Control", value: "no-store")
        headers.replaceOrAdd(name: "Pragma", value: "no-cache")
    }
}
