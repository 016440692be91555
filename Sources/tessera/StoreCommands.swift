import ArgumentParser
import Foundation
import TesseraAuth
import TesseraJWT

/// Runs `body` with services over the configured store, closing the store afterwards.
func withServices<T>(_ config: ConfigOptions, needsKeys: Bool = false,
                     _ body: (TokenService, AccountService, Settings) async throws -> T) async throws -> T {
    let settings = try await config.settings()
    let store = try await settings.openStore()
    do {
        let (tokens, accounts) = try settings.services(store: store, needsKeys: needsKeys)
        let result = try await asStoreError { try await body(tokens, accounts, settings) }
        try? await store.close()
        return result
    } catch {
        try? await store.close()
        throw error
    }
}

/// `tessera migrate`.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or upgrade the store's schema.")
    @OptionGroup var config: ConfigOptions

    func run() async throws {
        try await withServices(config) { _, _, settings in print("schema up to date in \(settings.store.hasPrefix("sqlite:") ? settings.store : "postgres")") }
    }
}

/// `tessera user …`.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage user accounts.",
        subcommands: [Add.self, List.self, Disable.self, Enable.self, Delete.self, SetPassword.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; the password is read from stdin. Prints the user id.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Username.") var name: String

        func run() async throws {
            try await withServices(config) { _, accounts, settings in
                let password = try readNewPassword(settings)
                print(try await accounts.createUser(username: name, password: password).id)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users: id, username, status.")
        @OptionGroup var config: ConfigOptions
        @Option(help: "Page size (1-500).") var limit = 100
        @Option(help: "Start after this username.") var after: String?

        func run() async throws {
            try await withServices(config) { _, accounts, _ in
                for user in try await accounts.users(after: after, limit: limit) { print("\(user.id)\t\(user.username)\t\(user.status.rawValue)") }
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
            try await withServices(config) { _, accounts, settings in
                let user = try await accounts.user(username: name)
                try await accounts.setPassword(userID: user.id, password: try readNewPassword(settings))
            }
        }
    }
}

/// A new password from stdin; empty input is a usage error.
private func readNewPassword(_ settings: Settings) throws -> String {
    let password = try Input.secret(prompt: "New password: ", limit: settings.passwordHasher.maximumPasswordBytes)
    guard !password.isEmpty else { throw CLIError.usage("empty password on stdin") }
    return password
}

/// `tessera client …`.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Manage OAuth clients.", subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a client. Prints {\"client_id\",\"client_secret\"}; the secret is shown only this once.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Client id.") var id: String
        @Flag(name: .customLong("public"), help: "A public client (no secret), e.g. a browser or mobile app.") var isPublic = false
        @Option(help: "Allowed grant: password, refresh_token, client_credentials; repeat for several.") var grant: [String] = []
        @Option(help: "Allowed scope; repeat for several.") var scope: [String] = []
        @Option(help: "Audience of its access tokens; repeat for several (default: token.audience).") var audience: [String] = []

        func run() async throws {
            let grants = try (grant.isEmpty ? (isPublic ? ["password", "refresh_token"] : ["client_credentials"]) : grant).map { name in
                guard let grant = GrantType(rawValue: name) else { throw CLIError.usage("unknown grant \(name): use password, refresh_token or client_credentials") }
                return grant
            }
            try await withServices(config) { _, accounts, _ in
                let created = try await accounts.createClient(id: id, kind: isPublic ? .public : .confidential, grants: grants, scopes: scope, audiences: audience)
                var output: JSONObject = ["client_id": .string(created.client.id)]
                if let secret = created.secret { output["client_secret"] = .string(secret) }
                print(output.serialized)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List clients: id, kind, grants, scopes, audiences. Never secrets.")
        @OptionGroup var config: ConfigOptions

        func run() async throws {
            try await withServices(config) { _, accounts, _ in
                for client in try await accounts.clients() {
                    print([client.id, client.kind.rawValue, client.grants.map(\.rawValue).joined(separator: ","),
                           client.scopes.joined(separator: ","), client.audiences.joined(separator: ",")].joined(separator: "\t"))
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a client.")
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
        static let configuration = CommandConfiguration(abstract: "A user's sessions: id, client, created, last seen, state.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "Username.") var name: String

        func run() async throws {
            try await withServices(config) { tokens, accounts, _ in
                let now = Int64(Date().timeIntervalSince1970)
                for session in try await tokens.sessions(userID: accounts.user(username: name).id) {
                    let state = session.revokedAt != nil ? "revoked" : (session.isActive(at: now) ? "active" : "expired")
                    print([session.id, session.clientID, iso(session.createdAt), iso(session.lastSeenAt), state].joined(separator: "\t"))
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
            try await withServices(config) { tokens, _, _ in try await tokens.revokeSession(id: id) }
        }
    }
}
