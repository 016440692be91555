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
    private var passwords: PasswordPolicy { environment.passwordPolicy }

    /// Administration over `environment`, ending sessions through `sessions`.
    public init(environment: AuthEnvironment, sessions: SessionService) {
        self.environment = environment
        self.sessions = sessions
    }

    /// Administration over the token service's environment and sessions.
    public init(tokens: TokenService) { self.init(environment: tokens.environment, sessions: tokens.sessions) }

    // MARK: Users

    /// Creates an active user holding `roles`, with an optional `email`; `conflict` when the
    /// canonical username is taken. Audited with `actor` (who asked) when given.
    public func createUser(
        username raw: String, password: String, roles: [String] = [], email: String? = nil, actor: String? = nil, actorIP: String? = nil
    ) async throws -> User {
        let username = try Username.canonical(raw)
        let roles = Set(try roles.map(Role.validated))
        let email = try email.map(Email.validated)
        try passwords.check(password, username: username)
        let hash = try await environment.hash(password)
        let now = self.now
        let user = User(
            id: UUID().uuidString.lowercased(), username: username, passwordHash: hash, status: .active,
            createdAt: now, updatedAt: now, passwordChangedAt: now, roles: roles, email: email)
        try await store.transaction { tx in
            try await tx.insertUser(user)
            let by = actor.map { "; by \($0)" } ?? ""
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .userCreated, userID: user.id, ip: actorIP, detail: "username \(username)\(by)"))
            for role in roles.sorted() {
                try await tx.insertAuditEvent(AuditEvent(at: now, kind: .roleGranted, userID: user.id, ip: actorIP, detail: "role \(role)\(by)"))
            }
        }
        return user
    }

    /// The user with this id.
    public func user(id: String) async throws -> User {
        guard let user = try await store.read({ try await $0.user(id: id) }) else { throw AuthError.notFound("no such user") }
        return user
    }

    /// The user with this username (any spelling of it).
    public func user(username raw: String) async throws -> User {
        let username = try Username.canonical(raw)
        guard let user = try await store.read({ try await $0.user(username: username) }) else { throw AuthError.notFound("no such user") }
        return user
    }

    /// Users by username, `limit` (1-500) at a time after `cursor` (the last username seen).
    public func users(after cursor: String?, limit: Int) async throws -> [User] {
        guard (1...500).contains(limit) else { throw AuthError.invalidInput("limit", "limit must be between 1 and 500") }
        return try await store.read { try await $0.users(after: cursor, limit: limit) }
    }

    /// A change to a user's roles, applied to the roles the user holds when the change commits.
    public enum RoleChange: Sendable, Equatable {
        /// Exactly these roles.
        case replace([String])
        case grant(String)
        case revoke(String)
    }

    /// Changes to one user, applied together by `update` or not at all.
    public struct UserChanges: Sendable {
        public var username: String?
        public var status: User.Status?
        public var password: String?
        public var roles: RoleChange?
        /// A new e-mail address; the empty string removes it.
        public var email: String?
        /// With a new password, the session that survives it (the caller's own).
        public var keepSession: String?

        public init(
            username: String? = nil, status: User.Status? = nil, password: String? = nil, roles: RoleChange? = nil, email: String? = nil,
            keepSession: String? = nil
        ) {
            self.username = username
            self.status = status
            self.password = password
            self.roles = roles
            self.email = email
            self.keepSession = keepSession
        }
    }

    /// Applies `changes` to a user in one transaction. Every field is checked before anything is
    /// written, and a failure on any (a taken username, a bad role) leaves the user as it was.
    /// Disabling ends every session, a new password every other session, and any change ends
    /// the sessions whose granted scope the user's roles no longer permit. Each change is
    /// audited with `actor` (who asked: "user ID", "client ID", "cli"); a change that changes
    /// nothing writes nothing.
    @discardableResult
    public func update(userID: String, _ changes: UserChanges, actor: String? = nil, actorIP: String? = nil) async throws -> User {
        let username = try changes.username.map(Username.canonical)
        let roleChange = try changes.roles.map(Self.validated)
        let email: String?? = try changes.email.map { $0.isEmpty ? nil : try Email.validated($0) }
        if let password = changes.password {
            // Checked against the username the user will have after this change.
            let finalUsername: String = if let username { username } else { try await user(id: userID).username }
            try passwords.check(password, username: finalUsername)
        }
        let newHash: String? = if let password = changes.password { try await environment.hash(password) } else { nil }
        let now = self.now
        let scopes = environment.policy.scopes
        let (user, ended) = try await store.transaction { tx in
            guard let before = try await tx.user(id: userID, forUpdate: true) else { throw AuthError.notFound("no such user") }
            var user = before
            var events: [(AuditEvent.Kind, String)] = []
            if let username, username != user.username {
                if try await tx.user(username: username) != nil { throw AuthError.conflict("username", "username taken") }
                user.username = username
                events.append((.userUpdated, "renamed to \(username)"))
            }
            if let status = changes.status, status != user.status {
                user.status = status
                events.append((status == .disabled ? .userDisabled : .userEnabled, ""))
            }
            if let email, email != user.email {
                user.email = email
                events.append((.userUpdated, email == nil ? "email removed" : "email changed"))
            }
            if let roleChange {
                let roles = Self.applying(roleChange, to: user.roles)
                events += roles.subtracting(user.roles).sorted().map { (.roleGranted, "role \($0)") }
                events += user.roles.subtracting(roles).sorted().map { (.roleRevoked, "role \($0)") }
                user.roles = roles
            }
            if let newHash, let password = changes.password {
                // Again against the username as it is now: a rename may have committed since the
                // check before hashing.
                try passwords.check(password, username: user.username)
                user.passwordHash = newHash
                user.passwordChangedAt = now
            }
            guard user != before else { return (user, [RevokedSession]()) }
            user.updatedAt = now
            try await tx.updateUser(user)
            let ending = try await tx.sessions(userID: userID).filter { session in
                user.status == .disabled || (newHash != nil && session.id != changes.keepSession)
                    || session.scope.split(separator: " ").contains { !scopes.permits(String($0), roles: user.roles) }
            }
            let ended = try await sessions.end(tx, ending, at: now)
            if newHash != nil { events.append((.passwordChanged, "")) }
            if !ended.isEmpty { events.append((.sessionRevoked, "\(ended.count) sessions ended by the change")) }
            for (kind, detail) in events {
                let text = [detail, actor.map { "by \($0)" } ?? ""].filter { !$0.isEmpty }.joined(separator: "; ")
                try await tx.insertAuditEvent(AuditEvent(at: now, kind: kind, userID: userID, ip: actorIP, detail: text))
            }
            return (user, ended)
        }
        sessions.forget(ended)
        return user
    }

    /// Renames a user; `conflict` when the new username is taken.
    public func rename(userID: String, to username: String) async throws -> User {
        try await update(userID: userID, UserChanges(username: username))
    }

    /// Disables (and ends every session of) or re-enables a user.
    public func setStatus(userID: String, _ status: User.Status) async throws -> User {
        try await update(userID: userID, UserChanges(status: status))
    }

    /// Sets a new password and ends every other session (`keepSession`, if given, survives).
    public func setPassword(userID: String, password: String, keepSession: String? = nil) async throws {
        try await update(userID: userID, UserChanges(password: password, keepSession: keepSession))
    }

    /// Deletes a user after revoking every session.
    public func deleteUser(id: String) async throws {
        let now = self.now
        let revoked = try await store.transaction { tx in
            // Locked first: a login in flight either finishes before its sessions are listed or fails.
            guard try await tx.user(id: id, forUpdate: true) != nil else { throw AuthError.notFound("no such user") }
            let revoked = try await sessions.revokeAll(tx, userID: id, except: nil, at: now)
            try await tx.deleteUser(id: id)
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .userDeleted, userID: id, detail: "\(revoked.count) sessions revoked"))
            return revoked
        }
        sessions.forget(revoked)
    }

    private static func validated(_ change: RoleChange) throws -> RoleChange {
        switch change {
        case let .replace(roles): .replace(try roles.map(Role.validated))
        case let .grant(role): .grant(try Role.validated(role))
        case let .revoke(role): .revoke(try Role.validated(role))
        }
    }

    private static func applying(_ change: RoleChange, to roles: Set<String>) -> Set<String> {
        switch change {
        case let .replace(new): Set(new)
        case let .grant(role): roles.union([role])
        case let .revoke(role): roles.subtracting([role])
        }
    }

    // MARK: Clients

    /// A new client and, for a confidential one, its secret: shown once, stored only as a hash.
    public struct NewClient: Sendable {
        public let client: OAuthClient
        public let secret: String?
    }

    /// Where a client's browser flows may return: what `createClient` and `updateClient` take.
    public struct BrowserSettings: Sendable, Equatable {
        /// Authorization responses (`RedirectURI.validated`); nil leaves them as they are.
        public var redirectURIs: [String]?
        /// After RP-initiated logout; nil leaves them as they are.
        public var postLogoutRedirectURIs: [String]?
        /// Whether its users skip the consent page; nil leaves it as it is.
        public var firstParty: Bool?

        public init(redirectURIs: [String]? = nil, postLogoutRedirectURIs: [String]? = nil, firstParty: Bool? = nil) {
            self.redirectURIs = redirectURIs
            self.postLogoutRedirectURIs = postLogoutRedirectURIs
            self.firstParty = firstParty
        }

        /// The lists validated: each URI allowed, none twice, at most 20.
        func validated() throws -> BrowserSettings {
            func check(_ uris: [String]?, _ field: String) throws -> [String]? {
                guard let uris else { return nil }
                guard uris.count <= 20, Set(uris).count == uris.count else { throw AuthError.invalidInput(field, "\(field) lists at most 20 distinct URIs") }
                return try uris.map { try RedirectURI.validated($0, field: field) }
            }
            return BrowserSettings(
                redirectURIs: try check(redirectURIs, "redirect_uris"), postLogoutRedirectURIs: try check(postLogoutRedirectURIs, "post_logout_redirect_uris"),
                firstParty: firstParty)
        }
    }

    /// Registers a client. Client ids are 1-128 characters of `A-Z a-z 0-9 . _ ~ -`. A public
    /// client can carry no restricted scope (it cannot prove who it is, so its scope is only a
    /// request) and cannot introspect. A client with the authorization code grant needs a
    /// redirect URI.
    public func createClient(
        id: String, kind: OAuthClient.Kind, grants: [GrantType], scopes: [String], audiences: [String], mayIntrospect: Bool = false,
        forwardsClientIP: Bool = false, browser: BrowserSettings = BrowserSettings()
    ) async throws -> NewClient {
        let browser = try browser.validated()
        guard (1...128).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._~-".contains($0)) }) else {
            throw AuthError.invalidInput("client_id", "client ids are 1-128 characters of A-Z a-z 0-9 . _ ~ -")
        }
        // A client's own tokens carry its id as `sub`; it must never look like a user's.
        guard UUID(uuidString: id) == nil else { throw AuthError.invalidInput("client_id", "client ids cannot have the form of a user id (a UUID)") }
        guard !grants.isEmpty else { throw AuthError.invalidInput("grants", "a client needs at least one grant type") }
        if kind == .public, grants.contains(.clientCredentials) {
            throw AuthError.invalidInput("grants", "public clients cannot use client_credentials")
        }
        guard scopes.count == Set(scopes).count, (try? Scope.parse(scopes.joined(separator: " "))) == scopes else {
            throw AuthError.invalidInput("scope", "scopes are distinct tokens of the characters RFC 6749 §3.3 allows")
        }
        if kind == .public {
            if let restricted = scopes.first(where: environment.policy.scopes.isRestricted) {
                throw AuthError.invalidInput("scope", "a public client cannot carry the restricted scope \(restricted)")
            }
            guard !mayIntrospect else { throw AuthError.invalidInput("introspect", "only confidential clients may introspect") }
            guard !forwardsClientIP else { throw AuthError.invalidInput("forwards_client_ip", "only confidential clients may forward addresses") }
        }
        let now = self.now
        let client = OAuthClient(
            id: id, secretHash: nil, kind: kind, grants: grants, scopes: scopes, audiences: audiences, mayIntrospect: mayIntrospect,
            forwardsClientIP: forwardsClientIP, redirectURIs: browser.redirectURIs ?? [], postLogoutRedirectURIs: browser.postLogoutRedirectURIs ?? [],
            firstParty: browser.firstParty ?? false, createdAt: now)
        try Self.checkBrowserSettings(client)
        let secret = kind == .confidential ? try OpaqueSecret.generate() : nil
        var withSecret = client
        withSecret.secretHash = secret?.storedHash
        let registered = withSecret
        try await store.transaction { tx in
            try await tx.insertClient(registered)
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .clientCreated, clientID: id, detail: kind.rawValue))
        }
        return NewClient(client: registered, secret: secret?.value)
    }

    /// A client with the authorization code grant has somewhere to return to.
    private static func checkBrowserSettings(_ client: OAuthClient) throws {
        guard !client.grants.contains(.authorizationCode) || !client.redirectURIs.isEmpty else {
            throw AuthError.invalidInput("redirect_uris", "the authorization_code grant needs at least one redirect URI")
        }
    }

    /// Grants or withdraws a confidential client's permissions: to introspect (RFC 7662 §2.1)
    /// and to forward its end users' addresses; replaces its redirect URIs and first-party
    /// flag; nil leaves one as it is. Returns the client.
    @discardableResult
    public func updateClient(
        id: String, introspect: Bool? = nil, forwardsClientIP: Bool? = nil, browser: BrowserSettings = BrowserSettings()
    ) async throws -> OAuthClient {
        let browser = try browser.validated()
        let now = self.now
        return try await store.transaction { tx in
            guard let before = try await tx.client(id: id, lock: .exclusive) else { throw AuthError.notFound("no such client") }
            var client = before
            client.mayIntrospect = introspect ?? client.mayIntrospect
            client.forwardsClientIP = forwardsClientIP ?? client.forwardsClientIP
            client.redirectURIs = browser.redirectURIs ?? client.redirectURIs
            client.postLogoutRedirectURIs = browser.postLogoutRedirectURIs ?? client.postLogoutRedirectURIs
            client.firstParty = browser.firstParty ?? client.firstParty
            try Self.checkBrowserSettings(client)
            environment.recentClients.forget(id: id)
            guard client.kind == .confidential || !(client.mayIntrospect || client.forwardsClientIP) else {
                throw AuthError.invalidInput("client_id", "only confidential clients may introspect or forward addresses")
            }
            guard client != before else { return client }
            try await tx.updateClient(client)
            try await tx.insertAuditEvent(
                AuditEvent(
                    at: now, kind: .clientUpdated, clientID: id,
                    detail:
                        "introspect \(client.mayIntrospect), forwards_client_ip \(client.forwardsClientIP), first_party \(client.firstParty), "
                        + "\(client.redirectURIs.count) redirect URIs, \(client.postLogoutRedirectURIs.count) post-logout URIs"))
            return client
        }
    }

    /// The client with this id.
    public func client(id: String) async throws -> OAuthClient {
        guard let client = try await store.read({ try await $0.client(id: id) }) else { throw AuthError.notFound("no such client") }
        return client
    }

    /// Every client.
    public func clients() async throws -> [OAuthClient] {
        try await store.read { try await $0.clients() }
    }

    /// Removes a client and ends every session (and so refresh-token family) issued through it,
    /// so that registering the same id again revives nothing.
    public func removeClient(id: String) async throws {
        let now = self.now
        let ended = try await store.transaction { tx in
            // Locked first: logins in flight through it finish before its sessions are listed.
            guard try await tx.client(id: id, lock: .exclusive) != nil else { throw AuthError.notFound("no such client") }
            let ended = try await sessions.end(tx, try await tx.sessions(clientID: id), at: now)
            try await tx.deleteClient(id: id)
            try await tx.insertAuditEvent(AuditEvent(at: now, kind: .clientRemoved, clientID: id, detail: "\(ended.count) sessions revoked"))
            return ended
        }
        sessions.forget(ended)
        environment.recentClients.forget(id: id)
    }

    /// The newest audit events.
    public func auditEvents(limit: Int = 100) async throws -> [AuditEvent] {
        try await store.read { try await $0.auditEvents(limit: limit) }
    }
}
