import Configuration
import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraHTTP
import TesseraJWT
import Testing

/// One access-token profile (RFC 9068 §2.2) on every path that accepts an access token:
/// `/v1/verify`, the bearer routes, and introspection (the CLI's is in test_cli.py).
@Suite("HTTP: one access-token profile")
struct AccessTokenProfileTests {
    static let now = Int(AppHarness.now)

    /// A good client_credentials token of `svc` for the admin routes; each case changes it.
    static func claims(_ change: (inout JWTClaims) -> Void = { _ in }) throws -> String {
        var claims = JWTClaims()
        claims["iss"] = .string("https://auth.test")
        claims["sub"] = .string("svc")
        claims["aud"] = .string("api")
        claims["client_id"] = .string("svc")
        claims["iat"] = .int(now)
        claims["exp"] = .int(now + 60)
        claims["jti"] = .string("j1")
        claims["scope"] = .string("tessera:admin")
        change(&claims)
        return try JWTSigner(keyRing: AppHarness.keyRing, type: "at+jwt").sign(claims)
    }

    static let refusals: [(String, @Sendable (inout JWTClaims) -> Void)] = {
        var cases: [(String, @Sendable (inout JWTClaims) -> Void)] = []
        for name in ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"] { cases.append(("no \(name)", { $0[name] = nil })) }
        let more: [(String, @Sendable (inout JWTClaims) -> Void)] = [
            ("aud 1", { $0["aud"] = .int(1) }), ("aud []", { $0["aud"] = .array([]) }), ("aud *", { $0["aud"] = .string("*") }),
            ("aud without ours", { $0["aud"] = .array([.string("other"), .string("another")]) }),
            ("sub empty", { $0["sub"] = .string("") }), ("sub with LF", { $0["sub"] = .string("svc\nX-Admin: 1") }),
            ("sub with CR", { $0["sub"] = .string("svc\r") }), ("sub with NUL", { $0["sub"] = .string("s\u{0}vc") }),
            ("sub a number", { $0["sub"] = .int(5) }), ("client_id empty", { $0["client_id"] = .string("") }),
            ("client_id with CR", { $0["client_id"] = .string("svc\r") }), ("jti empty", { $0["jti"] = .string("") }),
            ("exp - iat over max_ttl", { $0["exp"] = .int(now + 86401) }),
            ("exp in the year 10000", { $0["exp"] = .int(253_402_300_800) }),
            ("exp 2^64", { $0["exp"] = .number(JSONNumber(18_446_744_073_709_551_616.0)!) }),
            ("exp 1e308", { $0["exp"] = .number(JSONNumber(1e308)!) }),
            ("iat in the future", { $0["iat"] = .int(now + 120) }),
        ]
        return cases + more
    }()

    @Test("every rule refuses on /v1/verify (401), on an admin route (401) and in introspection (active: false)", arguments: 0..<refusals.count)
    func refused(_ index: Int) async throws {
        let (name, change) = Self.refusals[index]
        try await withApp(["http.rate_limit_per_second": 0]) { h in
            let seed = try await h.seed()
            let good = try Self.claims()
            let bad = try Self.claims(change)
            for (token, ok) in [(good, true), (bad, false)] {
                let bearer = [("Authorization", "Bearer \(token)")]
                let verify = await h.send(.GET, "/v1/verify", headers: bearer)
                #expect((verify.status == .ok) == ok, "\(name): /v1/verify \(verify.status)")
                let admin = await h.send(.GET, "/v1/users", headers: bearer)
                #expect((admin.status == .ok) == ok, "\(name): /v1/users \(admin.status)")
                let introspection = await h.form("/oauth/introspect", "client_id=svc&client_secret=\(seed.svc)&token=\(token)")
                #expect(introspection.jsonBody?["active"] == .bool(ok), "\(name): introspection \(introspection.text)")
                if !ok {
                    #expect(verify.status == .unauthorized && verify.headers.first(name: "X-Tessera-Subject") == nil, "\(name)")
                }
            }
        }
    }

    @Test("a scope that cannot be a header value never reaches one: 401, not a dropped connection")
    func headerValues() async throws {
        try await withApp { h in
            _ = try await h.seed()
            let token = try Self.claims { $0["scope"] = .string("read\r\nX-Injected: 1") }
            let response = await h.send(.GET, "/v1/verify", headers: [("Authorization", "Bearer \(token)")])
            #expect(response.status == .unauthorized && response.headers.first(name: "X-Injected") == nil)
        }
    }
}
