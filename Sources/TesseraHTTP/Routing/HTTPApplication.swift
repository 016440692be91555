import Foundation
import Logging
import NIOHTTP1

/// The router and the middleware chain, independent of sockets: tests drive it directly.
public struct HTTPApplication: Sendable {
    let router: Router
    let filters: [any RequestFilter]

    /// An application answering with `router` through `filters` (request id → access log →
    /// CORS → rate limit → route; errors are mapped per route by the endpoint helpers).
    public init(router: Router, filters: [any RequestFilter]) {
        self.router = router
        self.filters = filters
    }

    /// Tessera's application: every route of `endpoints` behind the middleware chain that the
    /// `http` section configures (request id → access log → metrics → CORS → rate limit).
    /// `now` is the rate limiter's clock.
    public init(endpoints: Endpoints, http: HTTPConfiguration, logger: Logger,
                now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        var filters: [any RequestFilter] = [
            RequestIDFilter(), AccessLogFilter(logger: logger), MetricsFilter(), CORSFilter(allowedOrigins: http.corsOrigins),
        ]
        if http.rateLimitPerSecond > 0 {
            filters.append(RateLimitFilter(burst: http.rateLimitBurst, perSecond: Double(http.rateLimitPerSecond), now: now))
        }
        self.init(router: Router(endpoints.routes), filters: filters)
    }

    /// What to do with a request: answer now, or run async work first.
    public enum Dispatch: Sendable {
        case ready(HTTPResponse)
        case pending(@Sendable () async -> HTTPResponse)
    }

    /// Runs the `before` filters and routing on the caller's thread (the event loop); sync
    /// handlers run right here.
    public func dispatch(_ request: inout HTTPRequest) -> Dispatch {
        for filter in filters {
            if let early = filter.before(&request) { return .ready(early) }
        }
        switch router.match(method: request.method, path: request.path) {
        case .notFound:
            return .ready(.problem(.notFound, title: "Not Found"))
        case let .methodNotAllowed(methods):
            var response = HTTPResponse.problem(.methodNotAllowed, title: "Method Not Allowed")
            response.headers.replaceOrAdd(name: "Allow", value: methods.map(\.rawValue).joined(separator: ", "))
            return .ready(response)
        case let .found(route, parameters):
            request.parameters = parameters
            request.route = route.pattern
            switch route.handler {
            case let .sync(handler):
                return .ready(handler(request))
            case let .async(handler):
                let captured = request
                return .pending { await handler(captured) }
            }
        }
    }

    /// Runs the `after` filters in reverse order and the headers every response carries.
    public func finish(_ request: HTTPRequest, _ response: HTTPResponse) -> HTTPResponse {
        var response = response
        for filter in filters.reversed() { filter.after(request, &response) }
        // Handlers never set these two, so adding is enough (and cheaper than replacing).
        response.headers.add(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.add(name: "Content-Length", value: String(response.body.count))
        if request.method == .HEAD { response.body = [] }
        return response
    }

    /// The full response for `request` (for tests and tools that have no event loop).
    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        var request = request
        switch dispatch(&request) {
        case let .ready(response): return finish(request, response)
        case let .pending(work): return finish(request, await work())
        }
    }
}
