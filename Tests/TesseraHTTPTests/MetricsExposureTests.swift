import Configuration
import NIOHTTP1
import Prometheus
import TesseraAuth
import TesseraHTTP
import TesseraJWT
import Testing

/// Who may read `/metrics`: a scraper holding the metrics scope on the main listener, or anyone
/// who can reach the separate `http.metrics_address` listener — never an anonymous caller of the
/// public port.
@Suite("HTTP: metrics exposure")
struct MetricsExposureTests {
    static func clientToken(_ h: AppHarness, _ id: String, _ secret: String) async throws -> String {
        try #require(
            await h.form("/oauth/token", "grant_type=client_credentials&client_id=\(id)&client_secret=\(secret)").jsonBody?["access_token"]?.stringValue)
    }

    @Test("on the main listener /metrics needs a bearer token with http.metrics_scope, confirmed in the store")
    func mainListenerNeedsTheScope() async throws {
        try await withApp(metrics: PrometheusCollectorRegistry()) { h in
            let seed = try await h.seed()
            let scraper = try await h.accounts.createClient(
                id: "prometheus", kind: .confidential, grants: [.clientCredentials], scopes: ["tessera:metrics"], audiences: [])
            let anonymous = await h.send(.GET, "/metrics")
            #expect(anonymous.status == .unauthorized && anonymous.headers.first(name: "WWW-Authenticate")?.hasPrefix("Bearer") == true)
            let admin = try await Self.clientToken(h, "svc", seed.svc)
            let root = try #require(await h.consoleLogin(seed).jsonBody?["access_token"]?.stringValue)
            for token in [admin, root] {
                let refused = await h.send(.GET, "/metrics", headers: [AuthorizationTests.bearer(token)])
                #expect(refused.status == .forbidden && refused.headers.first(name: "WWW-Authenticate")?.contains("insufficient_scope") == true)
            }
            let token = try await Self.clientToken(h, "prometheus", try #require(scraper.secret))
            let scraped = await h.send(.GET, "/metrics", headers: [AuthorizationTests.bearer(token)])
            #expect(scraped.status == .ok && scraped.headers.first(name: "Content-Type")?.hasPrefix("text/plain") == true)
            // A removed scraper's unexpired token reads nothing more.
            try await h.accounts.removeClient(id: "prometheus")
            #expect(await h.send(.GET, "/metrics", headers: [AuthorizationTests.bearer(token)]).status == .unauthorized)
        }
    }

    @Test("with http.metrics_address the main listener has no /metrics, even for the scope")
    func separateListenerTakesTheRoute() async throws {
        try await withApp(["http.metrics_address": "127.0.0.1:9464"], metrics: PrometheusCollectorRegistry()) { h in
            let scraper = try await h.accounts.createClient(
                id: "prometheus", kind: .confidential, grants: [.clientCredentials], scopes: ["tessera:metrics"], audiences: [])
            let token = try await Self.clientToken(h, "prometheus", try #require(scraper.secret))
            #expect(await h.send(.GET, "/metrics", headers: [AuthorizationTests.bearer(token)]).status == .notFound)
            #expect(!h.app.routeTable.contains("GET /metrics"))
        }
        let listener = HTTPApplication(router: Router(Endpoints.metricsListenerRoutes { Array("up 1\n".utf8) }), middleware: [])
        let scraped = await listener.respond(to: HTTPRequest(method: .GET, uri: "/metrics"))
        #expect(scraped.status == .ok && scraped.text == "up 1\n")
        #expect(await listener.respond(to: HTTPRequest(method: .GET, uri: "/oauth/token")).status == .notFound)
        #expect(await listener.respond(to: HTTPRequest(method: .POST, uri: "/metrics")).status == .methodNotAllowed)
    }
}
