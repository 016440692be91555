import Configuration
import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraHTTP
import TesseraJWT
import Testing

/// The password policy through every HTTP path that sets a password: a 422 problem naming the
/// rule, and nothing created or changed.
@Suite("HTTP: password policy")
struct PasswordPolicyEndpointTests {
    static let refused: [(String, PasswordPolicy.Rule)] = [
        ("fourteen chars", .minimumLength),
        (String(repeating: "x", count: 1025), .maximumLength),
        ("QWERTY123456789", .commonPassword),
        ("1234567890123456", .repetitive),
        ("Mallory The Great", .matchesUsername),
    ]

    @Test("signup, POST /v1/users, PATCH and PUT /v1/users/{id} each answer 422 naming the rule", arguments: 0..<refused.count)
    func everyPathNamesTheRule(_ index: Int) async throws {
        let (password, rule) = Self.refused[index]
        try await withApp(["http.signup": true, "http.rate_limit_per_second": 0]) { h in
            let seed = try await h.seed()
            let admin = try #require(await h.consoleLogin(seed).jsonBody?["access_token"]?.stringValue)
            let target = try await h.accounts.createUser(username: "mallory the great", password: "an unremarkable passphrase")
            let create: JSONObject = ["username": .string("Mallory The Great"), "password": .string(password)]
            var all = [
                ("signup", await h.send(.POST, "/v1/signup", headers: [AuthorizationTests.json], body: create.serialized)),
                ("create", await h.send(.POST, "/v1/users", headers: [AuthorizationTests.json, AuthorizationTests.bearer(admin)], body: create.serialized)),
            ]
            for method in [HTTPMethod.PATCH, .PUT] {
                let change: JSONObject = ["password": .string(password)]
                all.append(
                    (
                        "\(method)",
                        await h.send(
                            method, "/v1/users/\(target.id)", headers: [AuthorizationTests.json, AuthorizationTests.bearer(admin)], body: change.serialized)
                    ))
            }
            for (path, response) in all {
                #expect(response.status == .unprocessableEntity, "\(path)")
                #expect(response.headers.first(name: "Content-Type") == "application/problem+json", "\(path)")
                #expect(response.jsonBody?["field"] == .string("password") && response.jsonBody?["rule"] == .string(rule.rawValue), "\(path): \(response.text)")
                #expect(!response.text.contains(password), "\(path): the refused password is never repeated")
            }
            #expect(try await h.accounts.users(after: nil, limit: 10).map(\.username).sorted() == ["alice", "mallory the great", "root"])
            #expect(try await h.accounts.user(id: target.id) == target)
        }
    }
}
