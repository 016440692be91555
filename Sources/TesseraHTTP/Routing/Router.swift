import Foundation
import NIOHTTP1

/// What runs for a route, once the router has matched it.
public enum RouteHandler: Sendable {
    /// Pure CPU work of a few microseconds, run on the event loop (verify, metadata).
    case sync(@Sendable (HTTPRequest, RequestContext) -> HTTPResponse)
    /// Store or hashing work, run off the event loop.
    case async(@Sendable (HTTPRequest, RequestContext) async -> HTTPResponse)
}

/// A method and path pattern; `{name}` segments capture one path segment.
public struct Route: Sendable {
    let method: HTTPMethod
    /// The pattern as written.
    public let pattern: String
    let segments: [Substring]
    let handler: RouteHandler

    public init(_ method: HTTPMethod, _ pattern: String, _ handler: RouteHandler) {
        self.method = method
        self.pattern = pattern
        segments = pattern.split(separator: "/")
        self.handler = handler
    }

    func match(_ pathSegments: [Substring]) -> [String: String]? {
        guard pathSegments.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (pattern, actual) in zip(segments, pathSegments) {
            if pattern.hasPrefix("{") && pattern.hasSuffix("}") {
                guard let value = String(actual).removingPercentEncoding, !value.isEmpty else { return nil }
                parameters[String(pattern.dropFirst().dropLast())] = value
            } else if pattern != actual {
                return nil
            }
        }
        return parameters
    }
}

/// Finds the route for a request: 404 when no path matches, 405 with `Allow` when the path
/// matches under other methods.
public struct Router: Sendable {
    private let routes: [Route]
    /// The routes of each path without parameters that no parameterised route also matches, in
    /// order: looked up by the exact path, with the same answer the scan would give.
    private let literalPaths: [String: [Route]]

    public init(_ routes: [Route]) {
        self.routes = routes
        var literalPaths: [String: [Route]] = [:]
        for route in routes where !route.pattern.contains("{") {
            let segments = route.pattern.split(separator: "/")
            guard route.pattern == "/" + segments.joined(separator: "/"),
                !routes.contains(where: { $0.pattern.contains("{") && $0.match(segments) != nil })
            else { continue }
            literalPaths[route.pattern, default: []].append(route)
        }
        self.literalPaths = literalPaths
    }

    /// A method and an exact path, looked up without building a string per request.
    public struct Key: Hashable, Sendable {
        let method: HTTPMethod
        let path: String

        /// By path alone (HTTPMethod is not Hashable); equality still compares both.
        public func hash(into hasher: inout Hasher) { hasher.combine(path) }
    }

    /// The routes answered on the event loop (pure CPU work); they have no path parameters.
    public var eventLoopRoutes: Set<Key> {
        Set(
            routes.compactMap { route in
                guard case .sync = route.handler else { return nil }
                precondition(!route.pattern.contains("{"), "an event-loop route has no path parameters")
                return Key(method: route.method, path: route.pattern)
            })
    }

    /// Every route as `METHOD pattern` (`GET /v1/users/{id}`), for documents that must list them.
    public var table: Set<String> { Set(routes.map { "\($0.method.rawValue) \($0.pattern)" }) }

    public enum Match {
        case found(Route, [String: String])
        case methodNotAllowed([HTTPMethod])
        case notFound
    }

    public func match(method: HTTPMethod, path: String) -> Match {
        if let candidates = literalPaths[path] { return match(method: method, among: candidates) { _ in [:] } }
        let segments = path.split(separator: "/")
        return match(method: method, among: routes) { $0.match(segments) }
    }

    /// The first of `candidates` whose `parameters` match and whose method fits (HEAD runs GET
    /// routes); else the methods of those that match.
    private func match(method: HTTPMethod, among candidates: [Route], parameters: (Route) -> [String: String]?) -> Match {
        var allowed: [HTTPMethod] = []
        for route in candidates {
            guard let parameters = parameters(route) else { continue }
            if route.method == method || (method == .HEAD && route.method == .GET) { return .found(route, parameters) }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed)
    }
}
