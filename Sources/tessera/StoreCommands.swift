import ArgumentParser
import Foundation
import TesseraAuth
import TesseraCrypto
import TesseraJWT
import TesseraServer

/// Runs `body` with services over the configured store, migrated, closing it afterwards.
/// Administration needs no signing key, so a missing key ring is fine unless `needsKeys`.
func withServices<T: Sendable>(
    _ config: ConfigOptions, needsKeys: Bool = false,
    _ body: (TokenService, AccountService, TesseraConfiguration) async throws -> T
) async throws -> T {
    let configuration = try await config.load()
    return try await asConfigurationError {
        try await asStoreError {
            try await configuration.withStore(clock: .system) { store in
                let ring = try needsKeys ? configuration.loadKeyRing() : ((try? configuration.loadKeyRing()) ?? JWTKeyRing(keys: []))
                let tokens = TokenService(
                    store: store, keyRing: ring, policy: configuration.authPolicy,
                    hasher: configuration.password.hasher)
                return try await body(tokens, AccountService(tokens: tokens), configuration)
            }
        }
    }
}

/// Runs a store operation, turning failures into CLI errors: an unknown or duplicate record is a
/// negative answer (exit 1); bad input or an unreachable store is exit 2.
func asStoreError<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as AuthError {
        switch error.code {
        case .notFound, .conflict: throw CLIError.negative(error.detail)
        default: throw CLIError.usage(error.rule.map { "\(error.detail) (rule \($0))" } ?? error.detail)
        }
    }
}

/// `tessera migrate`.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or upgrade the store's schema.")
    @OptionGroup var config: ConfigOptions

    func run() async throws {
        try await withServices(config) { _, _, configuration in
            print("schema up to date in \(configuration.store.hasPrefix("sqlite:") ? configuration.store : "postgres")")
        }
    }
}

/// `tessera prune`.
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete what retention no longer keeps (serve does this hourly): ended sessions and refresh tokens, old audit events.")
    @OptionGroup var config: ConfigOptions

    func run() async throws {
        try await withServices(config) { tokens, _, _ in
            let pruned = try await tokens.sessions.pruneExpired()
            print("deleted \(pruned.sessions) sessions, \(pruned.refreshTokens) refresh tokens, \(pruned.auditEvents) audit events")
        }
    }
}

/// `tessera user …`.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage user accounts.",
        subcommands: [Add.self, List.self, Grant.self, Revoke.self, Disable.self, Enable.self, Delete.self, SetPassword.self, SetEmail.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; the password is read from stdin. Prints the user id.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Username.") var name: String
        @Option(help: "A role the user holds (e.g. admin, which tessera:admin needs); repeat for several.") var role: [String] = []
        @Option(help: "The user's e-mail address (the OpenID Connect email scope; never verified).") var email: String?

        func run() async throws {
            try await withServices(config) { _, accounts, configuration in
                let password = try readNewPassword(configuration)
                print(try await accounts.createUser(username: name, password: password, roles: role, email: email, actor: "cli").id)
            }
        }
    }

    struct SetEmail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-email", abstract: "Set a user's e-mail address, or remove it with \"\".")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Username.") var name: String
        @Argument(help: "E-mail address; \"\" removes it.") var email: String

        func run() async throws {
            try await withServices(config) { _, accounts, _ in
                try await accounts.update(userID: accounts.user(username: name).id, .init(email: email), actor: "cli")
            }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a user a role (nothing changes if they hold it).")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Username.") var name: String
        @Argument(help: "Role.") var role: String

        func run() async throws { try await changeRoles(config, of: name, .grant(role)) }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a role from a user and end their sessions whose scope needed it (nothing changes if they lack it).")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Username.") var name: String
        @Argument(help: "Role.") var role: String

        func run() async throws { try await changeRoles(config, of: name, .revoke(role)) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users: id, username, status, roles (comma-separated).")
        @OptionGroup var config: ConfigOptions
        @Option(help: "Page size (1-500).") var limit = 100
        @Option(help: "Start after this username.") var after: String?

        func run() async throws {
            try await withServices(config) { _, accounts, _ in
                for user in try await accounts.users(after: after, limit: limit) {
                    print([user.id, user.username, user.status.rawValue, user.roles.sorted().joined(separator: ",")].joined(separator: "\t"))
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user and end all their sessions.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Username.") var name: String

        func run() async throws {
            try await withServices(config) { _, accounts, _ in _ = try await accounts.setStatus(userID: accounts.user(username: name).id, .disabled) }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled user.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Username.") var name: String

        func run() async throws {
            try await withServices(config) { _, accounts, _ in _ = try await accounts.setStatus(userID: accounts.user(username: name).id, .active) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user after ending all their sessions.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Username.") var name: String

        func run() async throws {
            try await withServices(config) { _, accounts, _ in try await accounts.deleteUser(id: accounts.user(username: name).id) }
        }
    }

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password", abstract: "Set a user's password from stdin and end all their sessions.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Username.") var name: String

        func run() async throws {
            try await withServices(config) { _, accounts, configuration in
                let user = try await accounts.user(username: name)
                try await accounts.setPassword(userID: user.id, password: try readNewPassword(configuration))
            }
        }
    }
}

/// Applies a role change to the user `name`, audited as the CLI's.
private func changeRoles(_ config: ConfigOptions, of name: String, _ change: AccountService.RoleChange) async throws {
    try await withServices(config) { _, accounts, _ in
        try await accounts.update(userID: accounts.user(username: name).id, .init(roles: change), actor: "cli")
    }
}

/// A new password from stdin; empty input is a usage error.
private func readNewPassword(_ configuration: TesseraConfiguration) throws -> String {
    warnIfWeakCost(configuration.password)
    let password = try Input.secret(prompt: "New password: ", limit: configuration.password.hasher.maximumPasswordBytes)
    guard !password.isEmpty else { throw CLIError.usage("empty password on stdin") }
    return password
}

/// `tessera client …`.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Manage OAuth clients.", subcommands: [Add.self, List.self, Update.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a client. Prints {\"client_id\",\"client_secret\"}; the secret is shown only this once.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Client id.") var id: String
        @Flag(name: .customLong("public"), help: "A public client (no secret), e.g. a browser or mobile app.") var isPublic = false
        @Option(
            help: """
                Allowed grant: authorization_code, refresh_token, client_credentials, password; repeat for several. Default: \
                authorization_code and refresh_token with --redirect-uri, else client_credentials (confidential). The password grant \
                is never a default.
                """) var grant: [String] = []
        @Option(help: "Allowed scope; repeat for several.") var scope: [String] = []
        @Option(help: "Audience of its access tokens; repeat for several (default: token.audience).") var audience: [String] = []
        @Flag(help: "May call /oauth/introspect (confidential clients only).") var introspect = false
        @Flag(help: "May send end_user_ip, the address of the user it logs in (confidential clients only).") var forwardsClientIP = false
        @OptionGroup var browser: BrowserOptions

        func run() async throws {
            if grant.isEmpty, isPublic, browser.redirectURI.isEmpty {
                throw CLIError.usage("a public client needs --redirect-uri (the authorization code flow) or an explicit --grant")
            }
            let defaults = browser.redirectURI.isEmpty ? ["client_credentials"] : ["authorization_code", "refresh_token"]
            let grants = try (grant.isEmpty ? defaults : grant).map { name in
                guard let grant = GrantType(rawValue: name) else {
                    throw CLIError.usage("unknown grant \(name): use \(GrantType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return grant
            }
            try await withServices(config) { _, accounts, _ in
                let created = try await accounts.createClient(
                    id: id, kind: isPublic ? .public : .confidential, grants: grants, scopes: scope, audiences: audience,
                    mayIntrospect: introspect, forwardsClientIP: forwardsClientIP, browser: browser.settings)
                var output: JSONObject = ["client_id": .string(created.client.id)]
                if let secret = created.secret { output["client_secret"] = .string(secret) }
                print(output.serialized)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List clients: id, kind, grants, scopes, audiences, introspect, forwards-client-ip, first-party (yes/no), redirect URIs. Never secrets.")
        @OptionGroup var config: ConfigOptions

        func run() async throws {
            try await withServices(config) { _, accounts, _ in
                for client in try await accounts.clients() {
                    print(
                        [
                            client.id, client.kind.rawValue, client.grants.map(\.rawValue).joined(separator: ","),
                            client.scopes.joined(separator: ","), client.audiences.joined(separator: ","), client.mayIntrospect ? "yes" : "no",
                            client.forwardsClientIP ? "yes" : "no", client.firstParty ? "yes" : "no", client.redirectURIs.joined(separator: ","),
                        ].joined(separator: "\t"))
                }
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change what a registered client may do (its secret stays).")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Client id.") var id: String
        @Flag(inversion: .prefixedNo, help: "Whether it may call /oauth/introspect (confidential clients only).") var introspect: Bool?
        @Flag(inversion: .prefixedNo, help: "Whether it may send end_user_ip (confidential clients only).") var forwardsClientIP: Bool?
        @OptionGroup var browser: BrowserOptions

        func validate() throws {
            guard introspect != nil || forwardsClientIP != nil || browser.settings != AccountService.BrowserSettings() else {
                throw ValidationError(
                    "name a change: --[no-]introspect, --[no-]forwards-client-ip, --redirect-uri, --post-logout-redirect-uri, --[no-]first-party")
            }
        }

        func run() async throws {
            try await withServices(config) { _, accounts, _ in
                try await accounts.updateClient(id: id, introspect: introspect, forwardsClientIP: forwardsClientIP, browser: browser.settings)
            }
        }
    }

    /// Where a client's browser flows return; on `update`, a given list replaces the old one.
    struct BrowserOptions: ParsableArguments {
        @Option(help: "Redirect URI for the authorization code flow (https, http://127.0.0.1:PORT/…, or com.example.app:/…); repeat for several.")
        var redirectURI: [String] = []
        @Option(help: "Where RP-initiated logout may return to; repeat for several.") var postLogoutRedirectURI: [String] = []
        @Flag(inversion: .prefixedNo, help: "A client you run: its users are not asked to consent.") var firstParty: Bool?

        var settings: AccountService.BrowserSettings {
            AccountService.BrowserSettings(
                redirectURIs: redirectURI.isEmpty ? nil : redirectURI, postLogoutRedirectURIs: postLogoutRedirectURI.isEmpty ? nil : postLogoutRedirectURI,
                firstParty: firstParty)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a client and end every session and refresh token issued to it.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Client id.") var id: String

        func run() async throws {
            try await withServices(config) { _, accounts, _ in try await accounts.removeClient(id: id) }
        }
    }
}

/// `tessera session …`.
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "Inspect and revoke login sessions.", subcommands: [List.self, Revoke.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A user's sessions: id, client, created, last seen, expires, state.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Username.") var name: String

        func run() async throws {
            try await withServices(config) { tokens, accounts, _ in
                let now = Int64(Date().timeIntervalSince1970)
                for session in try await tokens.sessions.list(userID: accounts.user(username: name).id) {
                    let state = session.revokedAt != nil ? "revoked" : (session.isActive(at: now) ? "active" : "expired")
                    print(
                        [
                            session.id, session.clientID, iso(session.createdAt), iso(session.lastSeenAt),
                            iso(min(session.idleExpiresAt, session.absoluteExpiresAt)), state,
                        ].joined(separator: "\t"))
                }
            }
        }

        private func iso(_ seconds: Int64) -> String { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(seconds))) }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a session: its refresh tokens and access tokens stop working.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Session id.") var id: String

        func run() async throws {
            try await withServices(config) { tokens, _, _ in try await tokens.sessions.revoke(id: id) }
        }
    }
}
