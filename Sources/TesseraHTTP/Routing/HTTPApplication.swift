import Foundation
import Logging
import NIOHTTP1
import TesseraJWT

/// The middleware chain in front of the router, independent of sockets: the server and the
/// tests drive it the same way.
public struct HTTPApplication: Sendable {
    let router: Router
    let middleware: [any Middleware]
    /// Ids for the answers the connection handlers give without the pipeline (408, 413, 431):
    /// the request id middleware's generator when there is one.
    public let requestIDs: RequestIDGenerator

    /// An application answering with `router` behind `middleware`, outermost first.
    public init(router: Router, middleware: [any Middleware]) {
        self.router = router
        self.middleware = middleware
        requestIDs = middleware.lazy.compactMap { ($0 as? RequestIDMiddleware)?.ids }.first ?? RequestIDGenerator()
    }

    /// Tessera's application: every route of `endpoints` behind the middleware chain that the
    /// `http` section configures (request id → client address behind trusted proxies → access
    /// log → metrics → CORS → rate limit); `accessLog` nil leaves the access log out.
    public init(endpoints: Endpoints, http: HTTPConfiguration, accessLog: AccessLog?) {
        var middleware: [any Middleware] = [RequestIDMiddleware()]
        if !http.trustedProxies.isEmpty {
            middleware.append(ClientAddressMiddleware(trustedProxies: http.trustedProxies, header: http.forwardedHeader))
        }
        if let accessLog { middleware.append(AccessLogMiddleware(log: accessLog)) }
        middleware += [MetricsMiddleware(), CORSMiddleware(allowedOrigins: http.corsOrigins)]
        let router = Router(endpoints.routes)
        if let addresses = endpoints.admission.addresses {
            middleware.append(RateLimitMiddleware(addresses: addresses, freeRoutes: router.eventLoopRoutes))
        }
        self.init(router: router, middleware: middleware)
    }

    /// Every route the application answers, as `METHOD pattern`.
    public var routeTable: Set<String> { router.table }

    /// Runs the chain and routing on the caller's thread (the event loop); sync handlers answer
    /// right here, async ones come back as pending work.
    public func dispatch(_ request: HTTPRequest, context: inout RequestContext) -> Dispatch {
        run(0, request, &context)
    }

    private func run(_ index: Int, _ request: HTTPRequest, _ context: inout RequestContext) -> Dispatch {
        guard index < middleware.count else { return route(request, &context) }
        return middleware[index].handle(request, context: &context) { request, context in run(index + 1, request, &context) }
    }

    private func route(_ request: HTTPRequest, _ context: inout RequestContext) -> Dispatch {
        switch router.match(method: request.method, path: request.path) {
        case .notFound:
            return .ready(.problem(.notFound, title: "Not Found"))
        case let .methodNotAllowed(methods):
            var response = HTTPResponse.problem(.methodNotAllowed, title: "Method Not Allowed")
            response.headers.replaceOrAdd(name: "Allow", value: methods.map(\.rawValue).joined(separator: ", "))
            return .ready(response)
        case let .found(route, parameters):
            context.parameters = parameters
            context.route = route.pattern
            switch route.handler {
            case let .sync(handler):
                return .ready(handler(request, context))
            case let .async(handler):
                let context = context
                return .pending { await handler(request, context) }
            }
        }
    }

    /// The headers every response carries, added last.
    public func finish(_ request: HTTPRequest, _ response: HTTPResponse) -> HTTPResponse {
        var response = response
        // Handlers never set these two, so adding is enough (and cheaper than replacing).
        response.headers.add(name: "X-Content-Type-Options", value: "nosniff")
        // 204 and 304 carry no content and no Content-Length (RFC 9110 §8.6).
        if response.status != .noContent && response.status != .notModified {
            response.headers.add(name: "Content-Length", value: String(response.body.count))
        }
        if request.method == .HEAD { response.body = [] }
        return response
    }

    /// The full response for `request` (for tests and tools that have no event loop).
    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        var context = RequestContext()
        switch dispatch(request, context: &context) {
        case let .ready(response): return finish(request, response)
        case let .pending(work): return finish(request, await work())
        }
    }
}
