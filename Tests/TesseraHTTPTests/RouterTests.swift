import NIOHTTP1
import Testing

@testable import TesseraHTTP

/// The router's answers: a path without parameters is looked up directly, and must get the
/// answer a scan of the routes in order would give.
@Suite struct RouterTests {
    static let router = Router([
        Route(.GET, "/a/{x}", .sync { _, _ in HTTPResponse(status: .ok) }),
        Route(.GET, "/a/b", .sync { _, _ in HTTPResponse(status: .ok) }),
        Route(.POST, "/c", .sync { _, _ in HTTPResponse(status: .ok) }),
        Route(.GET, "/c", .sync { _, _ in HTTPResponse(status: .ok) }),
        Route(.DELETE, "/d/{id}", .sync { _, _ in HTTPResponse(status: .ok) }),
    ])

    /// `METHOD pattern {parameters}`, `405 METHODS` or `404`.
    static func answer(_ method: HTTPMethod, _ path: String) -> String {
        switch router.match(method: method, path: path) {
        case let .found(route, parameters):
            return "\(route.method.rawValue) \(route.pattern) \(parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })"
        case let .methodNotAllowed(methods):
            return "405 \(methods.map(\.rawValue).joined(separator: ","))"
        case .notFound:
            return "404"
        }
    }

    @Test("routes match in order: a parameterised route before a literal one wins on its path")
    func order() {
        #expect(Self.answer(.GET, "/a/b") == #"GET /a/{x} ["x=b"]"#)
        #expect(Self.answer(.GET, "/a/c%20d") == #"GET /a/{x} ["x=c d"]"#)
        #expect(Self.answer(.POST, "/a/b") == "405 GET,GET")
    }

    @Test("literal paths: each method, HEAD as GET, 405 with every method in order, and the same paths spelt with extra slashes")
    func literalPaths() {
        #expect(Self.answer(.GET, "/c") == "GET /c []")
        #expect(Self.answer(.POST, "/c") == "POST /c []")
        #expect(Self.answer(.HEAD, "/c") == "GET /c []")
        #expect(Self.answer(.PUT, "/c") == "405 POST,GET")
        #expect(Self.answer(.GET, "//c/") == "GET /c []")
        #expect(Self.answer(.GET, "/c/e") == "404")
        #expect(Self.answer(.GET, "/d/7") == "405 DELETE")
        #expect(Self.answer(.DELETE, "/d/7") == #"DELETE /d/{id} ["id=7"]"#)
    }
}
