import NIOHTTP1

/// CORS with an exact origin allow-list (Fetch standard). Preflights from listed origins get 204
/// with the allowed methods, headers and max-age; every response varies on `Origin`; only listed
/// origins get `Access-Control-Allow-Origin` and `-Allow-Credentials`. A disallowed origin gets no
/// CORS headers at all, so the browser refuses the response.
public struct CORSMiddleware: Middleware {
    let allowedOrigins: Set<String>
    let allowedMethods = "GET, POST, PUT, PATCH, DELETE"
    let allowedHeaders = "Authorization, Content-Type, X-Request-Id"
    let maxAge = 600

    public init(allowedOrigins: Set<String>) { self.allowedOrigins = allowedOrigins }

    public func handle(_ request: HTTPRequest, context: inout RequestContext, next: Next) -> Dispatch {
        let origin = request.headers.first(name: "origin").flatMap { allowedOrigins.contains($0) ? $0 : nil }
        let dispatch: Dispatch
        if request.method == .OPTIONS, request.headers.first(name: "access-control-request-method") != nil {
            var preflight = HTTPResponse(status: .noContent)
            if origin != nil {
                preflight.headers.add(name: "Access-Control-Allow-Methods", value: allowedMethods)
                preflight.headers.add(name: "Access-Control-Allow-Headers", value: allowedHeaders)
                preflight.headers.add(name: "Access-Control-Max-Age", value: String(maxAge))
            }
            dispatch = .ready(preflight)
        } else {
            dispatch = next(request, &context)
        }
        return dispatch.map { response in
            var response = response
            response.headers.add(name: "Vary", value: "Origin")
            if let origin {
                response.headers.replaceOrAdd(name: "Access-Control-Allow-Origin", value: origin)
                response.headers.replaceOrAdd(name: "Access-Control-Allow-Credentials", value: "true")
                response.headers.replaceOrAdd(name: "Access-Control-Expose-Headers", value: "X-Request-Id, WWW-Authenticate, Retry-After")
            }
            return response
        }
    }
}
