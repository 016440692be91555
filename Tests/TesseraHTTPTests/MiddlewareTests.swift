import Configuration
import Foundation
import NIOHTTP1
import TesseraHTTP
import TesseraJWT
import Testing

@Suite("HTTP: routing and middleware")
struct MiddlewareTests {
    @Test("unknown paths are 404 problem+json; known paths with the wrong method 405 with Allow")
    func routing() async throws {
        try await withApp { h in
            let missing = await h.send(.GET, "/nope")
            #expect(missing.status == .notFound && missing.headers["Content-Type"] == ["application/problem+json"])
            let method = await h.send(.DELETE, "/oauth/token")
            #expect(method.status == .methodNotAllowed && method.headers["Allow"] == ["POST"])
        }
    }

    @Test("CORS: listed origins get preflight answers and credentials; others get no CORS headers")
    func cors() async throws {
        try await withApp { h in
            let preflight = await h.send(.OPTIONS, "/v1/login", headers: [("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")])
            #expect(preflight.status == .noContent && preflight.headers["Access-Control-Allow-Origin"] == ["https://app.example"])
            #expect(preflight.headers.first(name: "Access-Control-Allow-Methods")?.contains("POST") == true)
            #expect(preflight.headers["Access-Control-Max-Age"] == ["600"] && preflight.headers["Access-Control-Allow-Credentials"] == ["true"])
            let refused = await h.send(.OPTIONS, "/v1/login", headers: [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")])
            #expect(refused.headers["Access-Control-Allow-Origin"].isEmpty && refused.headers["Access-Control-Allow-Methods"].isEmpty)
            let actual = await h.send(.GET, "/healthz", headers: [("Origin", "https://app.example")])
            #expect(actual.headers["Access-Control-Allow-Origin"] == ["https://app.example"] && actual.headers["Vary"] == ["Origin"])
            let other = await h.send(.GET, "/healthz", headers: [("Origin", "https://app.example.evil.com")])
            #expect(other.headers["Access-Control-Allow-Origin"].isEmpty && other.headers["Vary"] == ["Origin"])
        }
    }

    @Test(
        "a sane X-Request-Id is echoed; anything else is replaced",
        arguments: [("abc-123_x.y", true), ("bad id\u{7f}", false), (String(repeating: "a", count: 129), false)])
    func requestID(_ incoming: String, _ kept: Bool) async throws {
        try await withApp { h in
            let response = await h.send(.GET, "/healthz", headers: [("X-Request-Id", incoming)])
            let echoed = try #require(response.headers.first(name: "X-Request-Id"))
            #expect((echoed == incoming) == kept && !echoed.isEmpty)
        }
    }

    @Test("state-changing requests beyond the per-IP burst get 429 with Retry-After; the bucket refills at the rate, up to the burst")
    func rateLimit() async throws {
        let clock = MovableClock()
        try await withApp(clock: clock.jwtClock) { h in
            func post(_ ip: String = "203.0.113.1") async -> HTTPResponse {
                await h.form("/oauth/revoke", "client_id=nobody&token=x", ip: ip)
            }
            for _ in 0..<20 { #expect(await post().status != .tooManyRequests) }
            let limited = await post()
            #expect(limited.status == .tooManyRequests && limited.headers["Retry-After"] == ["1"])
            #expect(await post("203.0.113.2").status != .tooManyRequests, "another address has its own bucket")
            #expect(await h.send(.GET, "/healthz", ip: "203.0.113.1").status == .ok, "reads are not limited")
            clock.advance(0.15)  // 10 per second: one and a half requests' worth
            #expect(await post().status != .tooManyRequests)
            #expect(await post().status == .tooManyRequests)
            clock.advance(60)  // refills to the burst of 20, not beyond
            for _ in 0..<20 { #expect(await post().status != .tooManyRequests) }
            #expect(await post().status == .tooManyRequests)
        }
    }
}
