import Configuration
import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraHTTP
import TesseraJWT
import Testing

/// A service's login endpoint posts all its users' logins from one address: it is limited as
/// one client, not as one anonymous visitor, and it names each user's address for throttling.
@Suite("HTTP: a service's login backend")
struct ServiceBackendTests {
    static let backendIP = "192.0.2.200"

    /// `backend`: confidential, the password grant, allowed to forward end-user addresses.
    static func register(_ h: AppHarness, users: Int) async throws -> String {
        for index in 0..<users { _ = try await h.accounts.createUser(username: "user\(index)", password: AppHarness.password) }
        _ = try await h.accounts.createClient(id: "web", kind: .public, grants: [.password], scopes: [], audiences: [])
        _ = try await h.accounts.createClient(id: "plain", kind: .confidential, grants: [.password], scopes: [], audiences: [])
        return try await h.accounts.createClient(
            id: "backend", kind: .confidential, grants: [.password], scopes: [], audiences: [], forwardsClientIP: true
        ).secret!
    }

    static func login(
        _ h: AppHarness, secret: String, user: String, password: String = "correct+horse+battery+staple", endUser: String?, ip: String = backendIP
    )
        async -> HTTPResponse
    {
        await h.form(
            "/oauth/token", "grant_type=password&username=\(user)&password=\(password)" + (endUser.map { "&end_user_ip=\($0)" } ?? ""),
            headers: [("Authorization", "Basic " + Data("backend:\(secret)".utf8).base64EncodedString())], ip: ip)
    }

    @Test("50 logins at one instant from one backend, for 50 users, all succeed; the same from an anonymous client hits the address limit")
    func fiftyUsersFromOneAddress() async throws {
        try await withApp { h in
            let secret = try await Self.register(h, users: 50)
            let statuses = await withTaskGroup(of: HTTPResponseStatus.self) { group in
                for index in 0..<50 { group.addTask { await Self.login(h, secret: secret, user: "user\(index)", endUser: "198.51.100.\(index)").status } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 50, "\(statuses)")
            // The public client from the same address: the anonymous burst of 20, then 429.
            var anonymous: [HTTPResponseStatus] = []
            for index in 0..<21 {
                anonymous.append(
                    await h.form("/oauth/token", "grant_type=password&client_id=web&username=user\(index)&password=x", ip: Self.backendIP).status)
            }
            #expect(!anonymous.prefix(20).contains(.tooManyRequests) && anonymous.last == .tooManyRequests, "\(anonymous)")
        }
    }

    @Test("one user's wrong passwords throttle only that user at that forwarded address; the audit records the end user's address")
    func throttlingFollowsTheEndUser() async throws {
        try await withApp { h in
            let secret = try await Self.register(h, users: 2)
            for _ in 0..<5 { #expect(await Self.login(h, secret: secret, user: "user0", password: "wrong", endUser: "198.51.100.7").status == .badRequest) }
            let throttled = await Self.login(h, secret: secret, user: "user0", endUser: "198.51.100.7")
            #expect(throttled.status == .tooManyRequests && throttled.headers.first(name: "Retry-After") != nil)
            #expect(await Self.login(h, secret: secret, user: "user0", endUser: "198.51.100.8").status == .ok)
            #expect(await Self.login(h, secret: secret, user: "user1", endUser: "198.51.100.7").status == .ok)
            let audit = try await h.accounts.auditEvents(limit: 20)
            #expect(audit.contains { $0.kind == .loginFailed && $0.ip == "198.51.100.7" })
            #expect(!audit.contains { $0.ip == Self.backendIP })
        }
    }

    @Test("end_user_ip needs the permission and an address")
    func endUserIPNeedsPermission() async throws {
        try await withApp { h in
            let secret = try await Self.register(h, users: 1)
            let plain = try await h.accounts.createClient(id: "other", kind: .confidential, grants: [.password], scopes: [], audiences: []).secret!
            let refused = await h.form(
                "/oauth/token",
                "grant_type=password&client_id=other&client_secret=\(plain)&username=user0&password=correct+horse+battery+staple&end_user_ip=198.51.100.1")
            #expect(refused.status == .badRequest && refused.jsonBody?["error"] == .string("invalid_request"))
            for junk in ["unknown", "198.51.100.1:80", "198.51.100"] {
                #expect(await Self.login(h, secret: secret, user: "user0", endUser: junk).jsonBody?["error"] == .string("invalid_request"), "\(junk)")
            }
            await #expect(throws: AuthError.self) {
                try await h.accounts.createClient(id: "spa", kind: .public, grants: [.password], scopes: [], audiences: [], forwardsClientIP: true)
            }
        }
    }

    @Test("a client's own bucket: the limit follows the client across addresses; wrong secrets charge the address, never the client")
    func perClientBucket() async throws {
        try await withApp(["http.client_rate_limit_burst": 3, "http.client_rate_limit_per_second": 1, "http.rate_limit_burst": 5]) { h in
            let secret = try await Self.register(h, users: 1)
            // Someone guessing the backend's secret: their address runs dry, the backend's bucket is untouched.
            let basic = "Basic " + Data("backend:not-the-secret".utf8).base64EncodedString()
            var guesses: [HTTPResponseStatus] = []
            for _ in 0..<6 {
                guesses.append(
                    await h.form("/oauth/token", "grant_type=password&username=u&password=p", headers: [("Authorization", basic)], ip: "203.0.113.5").status)
            }
            #expect(guesses.prefix(5).allSatisfy { $0 == .unauthorized } && guesses.last == .tooManyRequests, "\(guesses)")
            // The backend: three at once from three addresses, then its own limit.
            for (index, ip) in ["192.0.2.1", "192.0.2.2", "192.0.2.3"].enumerated() {
                #expect(await Self.login(h, secret: secret, user: "user0", endUser: "198.51.100.\(index)", ip: ip).status == .ok)
            }
            let limited = await Self.login(h, secret: secret, user: "user0", endUser: "198.51.100.9", ip: "192.0.2.4")
            #expect(limited.status == .tooManyRequests && limited.headers.first(name: "Retry-After") == "1")
        }
    }
}
