import Dispatch
import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraHTTP
import TesseraJWT
import Testing

@Suite("HTTP: OAuth endpoints")
struct OAuthEndpointTests {
    @Test("password grant: RFC 6749 §5.1 body, no-store, Pragma, nosniff")
    func passwordGrant() async throws {
        try await withApp { h in
            _ = try await h.seed()
            let response = await h.form("/oauth/token", "grant_type=password&client_id=web&username=alice&password=correct+horse+battery+staple&scope=read")
            #expect(response.status == .ok)
            let body = try #require(response.jsonBody)
            #expect(body["token_type"] == .string("Bearer") && body["expires_in"] == .int(900) && body["scope"] == .string("read"))
            #expect(body["access_token"]?.stringValue != nil && body["refresh_token"]?.stringValue != nil)
            #expect(response.headers["Cache-Control"] == ["no-store"] && response.headers["Pragma"] == ["no-cache"])
            #expect(response.headers["X-Content-Type-Options"] == ["nosniff"])
            #expect(response.headers["Content-Length"] == [String(response.body.count)])
        }
    }

    @Test(
        "RFC 6749 §5.2 errors",
        arguments: [
            ("grant_type=password&client_id=web&username=alice", 400, "invalid_request"),
            ("client_id=web", 400, "invalid_request"),
            ("grant_type=implicit&client_id=web", 400, "unsupported_grant_type"),
            ("grant_type=password&client_id=nope&username=alice&password=x", 401, "invalid_client"),
            ("grant_type=password&client_id=web&username=alice&password=wrong+password", 400, "invalid_grant"),
            ("grant_type=password&client_id=web&username=nobody&password=wrong+password", 400, "invalid_grant"),
            ("grant_type=client_credentials&client_id=web", 400, "unauthorized_client"),
            ("grant_type=password&client_id=web&username=alice&password=correct+horse+battery+staple&scope=re%22ad", 400, "invalid_scope"),
            ("grant_type=password&grant_type=password&client_id=web", 400, "invalid_request"),
            ("grant_type=refresh_token&client_id=web&refresh_token=forged", 400, "invalid_grant"),
            ("grant_type=password&client_id=web&username=alice&password=%zz", 400, "invalid_request"),
        ])
    func errors(_ body: String, _ status: Int, _ code: String) async throws {
        try await withApp { h in
            _ = try await h.seed()
            let response = await h.form("/oauth/token", body)
            #expect(Int(response.status.code) == status)
            #expect(response.jsonBody?["error"] == .string(code))
            #expect(response.headers["Cache-Control"] == ["no-store"])
            #expect(!response.text.contains("wrong password") && !response.text.contains("forged"), "no echo of secrets")
        }
    }

    @Test("unknown parameters are ignored even when repeated (RFC 6749 §3.1); known ones may appear once (§3.2)")
    func unknownParameters() async throws {
        try await withApp { h in
            _ = try await h.seed()
            let login = "grant_type=password&client_id=web&username=alice&password=correct+horse+battery+staple"
            #expect(await h.form("/oauth/token", login + "&x=1&x=2&%C3%BF=3&%C3%BF=4").status == .ok)
            let repeated = await h.form("/oauth/token", login + "&username=alice")
            #expect(repeated.status == .badRequest && repeated.jsonBody?["error"] == .string("invalid_request"))
        }
    }

    @Test("through /oauth/token: throttled logins are 429 invalid_grant with Retry-After")
    func throttledAndOverloaded() async throws {
        try await withApp { h in
            _ = try await h.seed()
            let wrong = "grant_type=password&client_id=web&username=alice&password=wrong+guess+here"
            for _ in 0..<5 { #expect(await h.form("/oauth/token", wrong).status == .badRequest) }
            let throttled = await h.form("/oauth/token", wrong)
            #expect(throttled.status == .tooManyRequests && throttled.jsonBody?["error"] == .string("invalid_grant"))
            #expect(throttled.headers.first(name: "Retry-After") == "1")
        }
    }

    @Test("through /oauth/token: a full hashing queue is 503 with Retry-After, at once, and the queue drains afterwards")
    func hashingQueueFull() async throws {
        try await withApp { h in
            _ = try await h.seed()
            let pool = h.tokens.environment.hashingPool
            let release = DispatchSemaphore(value: 0)
            let base = pool.jobsAccepted
            // Every thread busy, then every queue place taken, each step awaited on the pool's own
            // counters (bounded waits, no sleeps), so that no blocker is refused by a race.
            func hold(_ count: Int, until accepted: Int, queued: Int) async -> [Task<Void, Never>] {
                let tasks = (0..<count).map { _ in Task { _ = try? await pool.run { release.wait() } } }
                let deadline = ContinuousClock.now + .seconds(10)
                while pool.jobsAccepted < accepted || pool.queueDepth != queued, ContinuousClock.now < deadline { await Task.yield() }
                return tasks
            }
            var blockers = await hold(pool.width, until: base + pool.width, queued: 0)
            blockers += await hold(pool.maximumQueued, until: base + pool.width + pool.maximumQueued, queued: pool.maximumQueued)
            let held = pool.width + pool.maximumQueued
            guard pool.queueDepth == pool.maximumQueued else {
                Issue.record("could not fill the hashing queue: \(pool.queueDepth) of \(pool.maximumQueued)")
                for _ in 0..<held { release.signal() }
                return
            }
            let login = "grant_type=password&client_id=web&username=alice&password=correct+horse+battery+staple"
            let full = await h.form("/oauth/token", login)
            #expect(full.status == .serviceUnavailable && full.headers.first(name: "Retry-After") == "1")
            for _ in 0..<held { release.signal() }
            for blocker in blockers { await blocker.value }
            #expect(await h.form("/oauth/token", login).status == .ok)
        }
    }

    @Test("wrong media type is invalid_request")
    func mediaType() async throws {
        try await withApp { h in
            let response = await h.send(.POST, "/oauth/token", headers: [("Content-Type", "application/json")], body: #"{"grant_type":"password"}"#)
            #expect(response.status == .badRequest && response.jsonBody?["error"] == .string("invalid_request"))
        }
    }

    @Test("client authentication: Basic or body, never both; every failed client authentication is 401 with a Basic challenge")
    func clientAuthentication() async throws {
        try await withApp { h in
            let secret = try await h.seed().svc
            let basic = "Basic " + Data("svc:\(secret)".utf8).base64EncodedString()
            let ok = await h.form("/oauth/token", "grant_type=client_credentials", headers: [("Authorization", basic)])
            #expect(ok.status == .ok && ok.jsonBody?["refresh_token"] == nil)
            let post = await h.form("/oauth/token", "grant_type=client_credentials&client_id=svc&client_secret=\(secret)")
            #expect(post.status == .ok)
            let both = await h.form("/oauth/token", "grant_type=client_credentials&client_secret=\(secret)", headers: [("Authorization", basic)])
            #expect(both.jsonBody?["error"] == .string("invalid_request"))
            let wrong = await h.form(
                "/oauth/token", "grant_type=client_credentials", headers: [("Authorization", "Basic " + Data("svc:nope".utf8).base64EncodedString())])
            #expect(wrong.status == .unauthorized && wrong.jsonBody?["error"] == .string("invalid_client"))
            #expect(wrong.headers.first(name: "WWW-Authenticate")?.hasPrefix("Basic") == true)
            // Without Basic too: every 401 carries a challenge (RFC 9110 §15.5.2).
            let wrongInBody = await h.form("/oauth/token", "grant_type=client_credentials&client_id=svc&client_secret=nope")
            #expect(wrongInBody.status == .unauthorized && wrongInBody.jsonBody?["error"] == .string("invalid_client"))
            #expect(wrongInBody.headers.first(name: "WWW-Authenticate")?.hasPrefix("Basic") == true)
            // Both parts of Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1).
            let encodedSecret = "%" + String(format: "%02X", secret.utf8.first!) + secret.dropFirst()
            let encoded = "Basic " + Data("%73vc:\(encodedSecret)".utf8).base64EncodedString()
            #expect(await h.form("/oauth/token", "grant_type=client_credentials", headers: [("Authorization", encoded)]).status == .ok)
        }
    }

    @Test("refresh rotates; the old refresh token is then refused")
    func refresh() async throws {
        try await withApp { h in
            _ = try await h.seed()
            let first = try await h.passwordLogin()
            let refresh = try #require(first["refresh_token"]?.stringValue)
            let second = await h.form("/oauth/token", "grant_type=refresh_token&client_id=web&refresh_token=\(refresh)")
            #expect(second.status == .ok && second.jsonBody?["refresh_token"] != first["refresh_token"])
            let reuse = await h.form("/oauth/token", "grant_type=refresh_token&client_id=web&refresh_token=\(refresh)")
            #expect(reuse.jsonBody?["error"] == .string("invalid_grant"))
        }
    }

    @Test("revocation answers 200 even for unknown tokens (RFC 7009 §2.2) and takes effect")
    func revoke() async throws {
        try await withApp { h in
            _ = try await h.seed()
            let login = try await h.passwordLogin()
            #expect(await h.form("/oauth/revoke", "client_id=web&token=unknown").status == .ok)
            #expect(await h.form("/oauth/revoke", "client_id=web&token=\(login["refresh_token"]!.stringValue!)&token_type_hint=refresh_token").status == .ok)
            let verify = await h.send(.GET, "/v1/verify", headers: [("Authorization", "Bearer \(login["access_token"]!.stringValue!)")])
            #expect(verify.status == .unauthorized)
            #expect(await h.form("/oauth/revoke", "client_id=web").jsonBody?["error"] == .string("invalid_request"))
        }
    }

    @Test("introspection needs a confidential client registered for it (RFC 7662 §2.1); active with claims, or just active:false")
    func introspect() async throws {
        try await withApp { h in
            let seed = try await h.seed()
            let secret = seed.svc
            let login = try await h.passwordLogin()
            let token = login["access_token"]!.stringValue!
            let publicClient = await h.form("/oauth/introspect", "client_id=web&token=\(token)")
            #expect(publicClient.status == .unauthorized && publicClient.jsonBody?["error"] == .string("invalid_client"))
            #expect(publicClient.headers.first(name: "WWW-Authenticate")?.hasPrefix("Basic") == true)
            // A confidential client without the permission learns nothing about the token.
            let notAllowed = await h.form("/oauth/introspect", "client_id=console&client_secret=\(seed.console)&token=\(token)")
            #expect(
                notAllowed.status == .forbidden
                    && notAllowed.jsonBody == ["error": .string("unauthorized_client"), "error_description": .string("the client is not allowed to do this")])
            let active = await h.form("/oauth/introspect", "client_id=svc&client_secret=\(secret)&token=\(token)")
            #expect(active.jsonBody?["active"] == .bool(true) && active.jsonBody?["client_id"] == .string("web"))
            #expect(active.headers["Cache-Control"] == ["no-store"])
            let inactive = await h.form("/oauth/introspect", "client_id=svc&client_secret=\(secret)&token=nonsense")
            #expect(inactive.jsonBody == ["active": .bool(false)])
        }
    }

    @Test("RFC 8414 metadata, empty JWK Set, health and readiness")
    func metadata() async throws {
        try await withApp { h in
            let metadata = try #require(await h.send(.GET, "/.well-known/oauth-authorization-server").jsonBody)
            #expect(metadata["issuer"] == .string("https://auth.test"))
            #expect(metadata["token_endpoint"] == .string("https://auth.test/oauth/token"))
            #expect(metadata["introspection_endpoint"] == .string("https://auth.test/oauth/introspect"))
            #expect(metadata["response_types_supported"] == .array([.string("code")]))
            #expect(await h.send(.GET, "/.well-known/jwks.json").jsonBody == ["keys": .array([])])
            #expect(await h.send(.GET, "/healthz").status == .ok)
            #expect(await h.send(.GET, "/readyz").status == .ok)
            #expect(await h.send(.HEAD, "/healthz").body.isEmpty)
        }
    }
}
