import NIOHTTP1

/// CORS with an exact origin allow-list (Fetch standard). Preflights from listed origins get 204
/// with the allowed methods, headers and max-age; every response varies on `Origin`; only listed
/// origins get `Access-Control-Allow-Origin` and `-Allow-Credentials`. A disallowed origin gets no
/// CORS headers at all, so the browser refuses the response.
public struct CORSFilter: RequestFilter {
    let allowedOrigins: Set<String>
    let allowedMethods = "GET, POST, PUT, PATCH, DELETE"
    let allowedHeaders = "Authorization, Content-Type, X-Request-Id"
    let maxAge = 600

    public init(allowedOrigins: Set<String>) { self.allowedOrigins = allowedOrigins }

    public func before(_ request: inout HTTPRequest) -> HTTPResponse? {
        guard request.method == .OPTIONS, request.headers.first(name: "access-control-request-method") != nil else { return nil }
        var response = HTTPResponse(status: .noContent)
        if let origin = request.headers.first(name: "origin"), allowedOrigins.contains(origin) {
            response.headers.add(name: "Access-Control-Allow-Methods", value: allowedMethods)
            response.headers.add(name: "Access-Control-Allow-Headers", value: allowedHeaders)
            response.headers.add(name: "Access-Control-Max-Age", value: String(maxAge))
        }
        return response
    }

    public func after(_ request: HTTPRequest, _ response: inout HTTPResponse) {
        response.headers.add(name: "Vary", value: "Origin")
        guard let origin = request.headers.first(name: "origin"), allowedOrigins.contains(origin) else { return }
        response.headers.replaceOrAdd(name: "Access-Control-Allow-Origin", value: origin)
        response.headers.replaceOrAdd(name: "Access-Control-Allow-Credentials", value: "true")
        response.headers.replaceOrAdd(name: "Access-Control-Expose-Headers", value: "X-Request-Id, WWW-Authenticate, Retry-After")
    }
}
