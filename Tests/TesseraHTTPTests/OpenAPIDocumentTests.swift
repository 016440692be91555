import Configuration
import Foundation
import Logging
import NIOHTTP1
import Prometheus
import TesseraAuth
import TesseraHTTP
import TesseraJWT
import TesseraServer
import Testing

/// The OpenAPI document is a resource compiled into the binary; it must describe exactly the
/// routes the server answers.
@Suite("HTTP: OpenAPI document")
struct OpenAPIDocumentTests {
    @Test("GET /openapi.json serves the embedded document; its paths and methods equal the router's")
    func documentMatchesRouter() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-openapi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // With a metrics registry, as `tessera serve` runs, so that /metrics is routed too.
        let server = try await TesseraServer.build(
            configuration: try AppHarness.configuration(directory: directory), logger: .init(label: "test"),
            metrics: PrometheusCollectorRegistry(), clock: .fixed(AppHarness.now))
        let response = await server.application.respond(to: HTTPRequest(method: .GET, uri: "/openapi.json"))
        #expect(response.status == .ok && response.headers.first(name: "Content-Type") == "application/json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let methods: Set = ["get", "put", "post", "delete", "patch"]
        let documented = Set(paths.flatMap { path, operations in operations.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" } })
        #expect(documented == server.application.routeTable)
        try await server.store.close()
    }
}
