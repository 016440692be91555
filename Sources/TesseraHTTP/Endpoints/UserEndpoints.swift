import NIOHTTP1
import TesseraAuth
import TesseraJWT

/// User administration (scope `tessera:admin`, held by a user with the role it maps to) and
/// optional open signup.
extension Endpoints {
    static let adminScope = "tessera:admin"

    /// The admin group: every handler runs only for a bearer token with the admin scope whose
    /// subject still holds the role (or, for a client's own token, is still registered with it).
    var userRoutes: [Route] {
        var admin = authenticatedRoutes(.scope(Self.adminScope))
        admin.async(.GET, "/v1/users") { request, _, _ in try await listUsers(request) }
        admin.async(.POST, "/v1/users") { request, _, caller in try await create(request, by: caller) }
        admin.async(.GET, "/v1/users/{id}") { _, context, _ in try await getUser(id: context.parameters["id"] ?? "") }
        admin.async(.PUT, "/v1/users/{id}") { request, context, caller in try await updateUser(request, id: context.parameters["id"] ?? "", by: caller) }
        admin.async(.PATCH, "/v1/users/{id}") { request, context, caller in try await updateUser(request, id: context.parameters["id"] ?? "", by: caller) }
        admin.async(.DELETE, "/v1/users/{id}") { _, context, _ in try await deleteUser(id: context.parameters["id"] ?? "") }
        var anyone = publicRoutes(.problem)
        anyone.async(.POST, "/v1/signup") { request, _ in try await signup(request) }
        return admin.routes + anyone.routes
    }

    private func listUsers(_ request: HTTPRequest) async throws -> HTTPResponse {
        let limit =
            try request.query["limit"].map { text in
                guard let value = Int(text) else { throw HTTPInputError(field: "limit", detail: "limit must be a number") }
                return value
            } ?? 100
        let users = try await accounts.users(after: request.query["after"], limit: limit)
        var body: JSONObject = ["users": .array(users.map { .object(Self.userJSON($0)) })]
        if users.count == limit, let last = users.last { body["next_after"] = .string(last.username) }
        return .json(body)
    }

    private func signup(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard settings.http.signupEnabled else { return .problem(.notFound, title: "Not Found") }
        return try await create(request, by: nil)
    }

    /// A new user; `roles` only from an administrator (`caller`), never at open signup.
    private func create(_ request: HTTPRequest, by caller: Caller?) async throws -> HTTPResponse {
        let body = try jsonBody(request)
        guard let username = body["username"]?.stringValue else { throw HTTPInputError(field: "username", detail: "username is required") }
        guard let password = body["password"]?.stringValue else { throw HTTPInputError(field: "password", detail: "password is required") }
        guard caller != nil || body["roles"] == nil else { throw HTTPInputError(field: "roles", detail: "roles are given by an administrator") }
        let roles = try body["roles"].map(Self.roleNames) ?? []
        let email = try body["email"].map { value in
            guard let email = value.stringValue else { throw HTTPInputError(field: "email", detail: "email must be a string") }
            return email
        }
        let user = try await accounts.createUser(
            username: username, password: password, roles: roles, email: email, actor: caller?.auditName, actorIP: request.remoteIP)
        var response = HTTPResponse.json(Self.userJSON(user), status: .created)
        response.headers.add(name: "Location", value: "/v1/users/\(user.id)")
        return response
    }

    private func getUser(id: String) async throws -> HTTPResponse {
        .json(Self.userJSON(try await accounts.user(id: id)))
    }

    /// PUT and PATCH both take any of `username`, `status` (`active`/`disabled`), `password`,
    /// `email` (null removes it) and `roles` (the complete new list). Every field is checked before anything changes, and the
    /// changes are one transaction: a 422 or 409 on any field leaves the user unchanged.
    private func updateUser(_ request: HTTPRequest, id: String, by caller: Caller) async throws -> HTTPResponse {
        let body = try jsonBody(request)
        var changes = AccountService.UserChanges()
        if let value = body["username"] {
            guard let username = value.stringValue else { throw HTTPInputError(field: "username", detail: "username must be a string") }
            changes.username = username
        }
        if let value = body["status"] {
            guard let status = value.stringValue.flatMap(User.Status.init) else {
                throw HTTPInputError(field: "status", detail: "status must be active or disabled")
            }
            changes.status = status
        }
        if let value = body["password"] {
            guard let password = value.stringValue else { throw HTTPInputError(field: "password", detail: "password must be a string") }
            changes.password = password
        }
        if let value = body["roles"] { changes.roles = .replace(try Self.roleNames(value)) }
        if let value = body["email"] {
            guard value == .null || value.stringValue?.isEmpty == false else {
                throw HTTPInputError(field: "email", detail: "email must be an address or null")
            }
            changes.email = value.stringValue ?? ""
        }
        return .json(Self.userJSON(try await accounts.update(userID: id, changes, actor: caller.auditName, actorIP: request.remoteIP)))
    }

    /// A JSON array of role names.
    private static func roleNames(_ value: JSONValue) throws -> [String] {
        guard case let .array(items) = value, items.allSatisfy({ $0.stringValue != nil }) else {
            throw HTTPInputError(field: "roles", detail: "roles must be an array of role names")
        }
        return items.compactMap(\.stringValue)
    }

    private func deleteUser(id: String) async throws -> HTTPResponse {
        try await accounts.deleteUser(id: id)
        return HTTPResponse(status: .noContent)
    }
}
