import NIOHTTP1
import TesseraAuth
import TesseraJWT

/// User administration (scope `tessera:admin`) and optional open signup.
extension Endpoints {
    static let adminScope = "tessera:admin"

    var userRoutes: [Route] {
        [
            Route(.GET, "/v1/users", async(.bearer) { try await listUsers($0) }),
            Route(.POST, "/v1/users", async(.bearer) { try await createUser($0) }),
            Route(.GET, "/v1/users/{id}", async(.bearer) { try await getUser($0) }),
            Route(.PUT, "/v1/users/{id}", async(.bearer) { try await updateUser($0) }),
            Route(.PATCH, "/v1/users/{id}", async(.bearer) { try await updateUser($0) }),
            Route(.DELETE, "/v1/users/{id}", async(.bearer) { try await deleteUser($0) }),
            Route(.POST, "/v1/signup", async(.problem) { try await signup($0) }),
        ]
    }

    private func requireAdmin(_ request: HTTPRequest) throws {
        let scopes = try bearer(request).claims.scope?.split(separator: " ") ?? []
        guard scopes.contains(Substring(Self.adminScope)) else { throw AuthError.insufficientScope("scope \(Self.adminScope) required") }
    }

    private func listUsers(_ request: HTTPRequest) async throws -> HTTPResponse {
        try requireAdmin(request)
        let limit = try request.query["limit"].map { text in
            guard let value = Int(text) else { throw AuthError.invalidInputError(field: "limit", detail: "limit must be a number") }
            return value
        } ?? 100
        let users = try await accounts.users(after: request.query["after"], limit: limit)
        var body: JSONObject = ["users": .array(users.map { .object(Self.userJSON($0)) })]
        if users.count == limit, let last = users.last { body["next_after"] = .string(last.username) }
        return .json(body)
    }

    private func createUser(_ request: HTTPRequest) async throws -> HTTPResponse {
        try requireAdmin(request)
        return try await create(request)
    }

    private func signup(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard settings.signupEnabled else { return .problem(.notFound, title: "Not Found") }
        return try await create(request)
    }

    private func create(_ request: HTTPRequest) async throws -> HTTPResponse {
        let body = try jsonBody(request)
        guard let username = body["username"]?.stringValue else { throw AuthError.invalidInputError(field: "username", detail: "username is required") }
        guard let password = body["password"]?.stringValue else { throw AuthError.invalidInputError(field: "password", detail: "password is required") }
        let user = try await accounts.createUser(username: username, password: password, actorIP: request.remoteIP)
        var response = HTTPResponse.json(Self.userJSON(user), status: .created)
        response.headers.add(name: "Location", value: "/v1/users/\(user.id)")
        return response
    }

    private func getUser(_ request: HTTPRequest) async throws -> HTTPResponse {
        try requireAdmin(request)
        return .json(Self.userJSON(try await accounts.user(id: request.parameters["id"] ?? "")))
    }

    /// PUT and PATCH both take any of `username`, `status` (`active`/`disabled`), `password`.
    private func updateUser(_ request: HTTPRequest) async throws -> HTTPResponse {
        try requireAdmin(request)
        let id = request.parameters["id"] ?? ""
        let body = try jsonBody(request)
        var user = try await accounts.user(id: id)
        if let value = body["username"] {
            guard let username = value.stringValue else { throw AuthError.invalidInputError(field: "username", detail: "username must be a string") }
            user = try await accounts.rename(userID: id, to: username)
        }
        if let value = body["status"] {
            guard let status = value.stringValue.flatMap(User.Status.init) else {
                throw AuthError.invalidInputError(field: "status", detail: "status must be active or disabled")
            }
            user = try await accounts.setStatus(userID: id, status)
        }
        if let value = body["password"] {
            guard let password = value.stringValue else { throw AuthError.invalidInputError(field: "password", detail: "password must be a string") }
            try await accounts.setPassword(userID: id, password: password)
            user = try await accounts.user(id: id)
        }
        return .json(Self.userJSON(user))
    }

    private func deleteUser(_ request: HTTPRequest) async throws -> HTTPResponse {
        try requireAdmin(request)
        try await accounts.deleteUser(id: request.parameters["id"] ?? "")
        return HTTPResponse(status: .noContent)
    }
}
