import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraHTTP
import TesseraJWT
import Testing

@Suite("HTTP: published keys")
struct JWKSEndpointTests {
    @Test("the JWK Set is cacheable with an ETag and 304 for a current copy; a reloaded ring changes it, its ETag and the metadata")
    func jwks() async throws {
        try await withApp { h in
            let empty = await h.send(.GET, "/.well-known/jwks.json")
            #expect(empty.status == .ok && empty.text == #"{"keys":[]}"#, "an HMAC ring publishes nothing")
            #expect(empty.headers.first(name: "Cache-Control") == "public, max-age=300")
            let etag = try #require(empty.headers.first(name: "ETag"))
            for current in [etag, "\"x\", \(etag)", "W/\(etag)", "*"] {
                let again = await h.send(.GET, "/.well-known/jwks.json", headers: [("If-None-Match", current)])
                #expect(again.status == .notModified && again.body.isEmpty && again.headers.first(name: "ETag") == etag, "\(current)")
                #expect(again.headers.first(name: "Content-Length") == nil, "RFC 9110 §8.6: no Content-Length: 0 on a 304")
            }
            #expect(await h.send(.GET, "/.well-known/jwks.json", headers: [("If-None-Match", "\"stale\"")]).status == .ok)
            var ring = AppHarness.keyRing
            try ring.add(JWTKey.generate(kid: "es", algorithm: .es256, created: 2))
            try h.tokens.accessTokens.reload(ring)
            let published = await h.send(.GET, "/.well-known/jwks.json", headers: [("If-None-Match", etag)])
            #expect(published.status == .ok && published.headers.first(name: "ETag") != etag)
            guard case let .array(keys)? = published.jsonBody?["keys"], keys.count == 1, let key = keys[0].objectValue else {
                Issue.record("expected one published key: \(published.text)")
                return
            }
            #expect(key["kid"] == .string("es") && key["alg"] == .string("ES256") && key["kty"] == .string("EC") && key["d"] == nil)
            let metadata = await h.send(.GET, "/.well-known/oauth-authorization-server").jsonBody
            #expect(metadata?["access_token_signing_alg_values_supported"] == .array([.string("ES256"), .string("HS256")]))
        }
    }
}
