import Foundation
import TesseraCrypto
import TesseraJWT

/// User and client administration. Every change is one transaction with its audit event;
/// changes that end sessions also update the revocation view.
public struct AccountService: Sendable {
    let environment: AuthEnvironment
    /// Where sessions that a change ends are revoked.
    let sessions: SessionService
    private var store: any AuthStore { environment.store }
    private var now: Int64 { environment.now }
    private var rules: PasswordRules { environment.passwordRules }

    /// Administration over `environment`, ending sessions through `sessions`.
    public init(environment: AuthEnvironment, sessions: SessionService) {
        self.environment = environment
        self.sessions = sessions
    }

    /// Administration over the token service's environment and sessions.
    public init(tokens: TokenService) { self.init(environment: tokens.environment, sessions: tokens.sessions) }

    // MARK: Users

    /// Creates an active user; `conflict` when the canonical username is taken.
    public func createUser(username raw: String, password: String, actorIP: String? = nil) async throws -> User {
        let username = try Username.canonical(raw)
        try rules.check(password)
        let hash = try await environment.hash(password)
        let now = self.now
        let user = User(
            id: UUID().uuidString.lowercased(), username: username, passwordHash: hash, status: .active,
            createdAt: now, updatedAt: now, passwordChangedAt: now)
        try await store.transaction { tx in
            try await tx.insertUser(user)
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .userCreated, userID: user.id, ip: actorIP, detail: "username \(username)"))
        }
        return user
    }

    /// The user with this id.
    public func user(id: String) async throws -> User {
        guard let user = try await store.transaction({ try await $0.user(id: id) }) else { throw AuthError.notFound("no such user") }
        return user
    }

    /// The user with this username (any spelling of it).
    public func user(username raw: String) async throws -> User {
        let username = try Username.canonical(raw)
        guard let user = try await store.transaction({ try await $0.user(username: username) }) else { throw AuthError.notFound("no such user") }
        return user
    }

    /// Users by username, `limit` (1-500) at a time after `cursor` (the last username seen).
    public func users(after cursor: String?, limit: Int) async throws -> [User] {
        guard (1...500).contains(limit) else { throw AuthError.invalidInput("limit", "limit must be between 1 and 500") }
        return try await store.transaction { try await $0.users(after: cursor, limit: limit) }
    }

    /// Renames a user; `conflict` when the new username is taken.
    public func rename(userID: String, to raw: String) async throws -> User {
        let username = try Username.canonical(raw)
        let now = self.now
        return try await store.transaction { tx in
            guard var user = try await tx.user(id: userID) else { throw AuthError.notFound("no such user") }
            if let other = try await tx.user(username: username), other.id != userID { throw AuthError.conflict("username", "username taken") }
            user.username = username
            user.updatedAt = now
            try await tx.updateUser(user)
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .userUpdated, userID: userID, detail: "renamed to \(username)"))
            return user
        }
    }

    /// Disables (and ends every session of) or re-enables a user.
    public func setStatus(userID: String, _ status: User.Status) async throws -> User {
        let now = self.now
        let (user, revoked) = try await store.transaction { tx in
            guard var user = try await tx.user(id: userID) else { throw AuthError.notFound("no such user") }
            user.status = status
            user.updatedAt = now
            try await tx.updateUser(user)
            let revoked = status == .disabled ? try await sessions.revokeAll(tx, userID: userID, except: nil, at: now) : []
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: status == .disabled ? .userDisabled : .userEnabled, userID: userID))
            return (user, revoked)
        }
        sessions.forget(revoked)
        return user
    }

    /// Deletes a user after revoking every session.
    public func deleteUser(id: String) async throws {
        let now = self.now
        let revoked = try await store.transaction { tx in
            guard try await tx.user(id: id) != nil else { throw AuthError.notFound("no such user") }
            let revoked = try await sessions.revokeAll(tx, userID: id, except: nil, at: now)
            try await tx.deleteUser(id: id)
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .userDeleted, userID: id, detail: "\(revoked.count) sessions revoked"))
            return revoked
        }
        sessions.forget(revoked)
    }

    /// Sets a new password and ends every other session (`keepSession`, if given, survives).
    public func setPassword(userID: String, password: String, keepSession: String? = nil) async throws {
        try rules.check(password)
        let hash = try await environment.hash(password)
        let now = self.now
        let revoked = try await store.transaction { tx in
            guard var user = try await tx.user(id: userID) else { throw AuthError.notFound("no such user") }
            user.passwordHash = hash
            user.passwordChangedAt = now
            user.updatedAt = now
            try await tx.updateUser(user)
            let revoked = try await sessions.revokeAll(tx, userID: userID, except: keepSession, at: now)
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .passwordChanged, userID: userID, detail: "\(revoked.count) other sessions revoked"))
            return revoked
        }
        sessions.forget(revoked)
    }

    // MARK: Clients

    /// A new client and, for a confidential one, its secret: shown once, stored only as a hash.
    public struct NewClient: Sendable {
        public let client: OAuthClient
        public let secret: String?
    }

    /// Registers a client. Client ids are 1-128 characters of `A-Z a-z 0-9 . _ ~ -`.
    public func createClient(id: String, kind: OAuthClient.Kind, grants: [GrantType], scopes: [String], audiences: [String]) async throws -> NewClient {
        guard (1...128).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._~-".contains($0)) }) else {
            throw AuthError.invalidInput("client_id", "client ids are 1-128 characters of A-Z a-z 0-9 . _ ~ -")
        }
        guard !grants.isEmpty else { throw AuthError.invalidInput("grants", "a client needs at least one grant type") }
        if kind == .public, grants.contains(.clientCredentials) {
            throw AuthError.invalidInput("grants", "public clients cannot use client_credentials")
        }
        _ = try Scope.resolve(requested: scopes.joined(separator: " "), allowed: scopes)
        let secret = kind == .confidential ? try OpaqueSecret.generate() : nil
        let now = self.now
        let client = OAuthClient(id: id, secretHash: secret?.storedHash, kind: kind, grants: grants, scopes: scopes, audiences: audiences, createdAt: now)
        try await store.transaction { tx in
            try await tx.insertClient(client)
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .clientCreated, clientID: id, detail: kind.rawValue))
        }
        return NewClient(client: client, secret: secret?.value)
    }

    /// Every client.
    public func clients() async throws -> [OAuthClient] {
        try await store.transaction { try await $0.clients() }
    }

    /// Removes a client; its existing tokens stop refreshing.
    public func removeClient(id: String) async throws {
        let now = self.now
        try await store.transaction { tx in
            guard try await tx.client(id: id) != nil else { throw AuthError.notFound("no such client") }
            try await tx.deleteClient(id: id)
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .clientRemoved, clientID: id))
        }
    }

    /// The newest audit events.
    public func auditEvents(limit: Int = 100) async throws -> [AuditEvent] {
        try await store.transaction { try await $0.auditEvents(limit: limit) }
    }
}
