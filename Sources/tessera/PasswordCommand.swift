import ArgumentParser
import Foundation
import TesseraAuth
import TesseraCrypto
import TesseraServer

/// `tessera password …`: hash and check passwords read from stdin.
struct PasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password",
        abstract: "Hash or verify a password read from stdin (never from the command line).",
        subcommands: [Hash.self, Verify.self]
    )

    struct Hash: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the PHC hash of the password on stdin.")
        @OptionGroup var config: ConfigOptions

        func run() async throws {
            let configuration = try await config.load().password
            warnIfWeakCost(configuration)
            let password = try readPassword(configuration.hasher)
            print(try asConfigurationError("cannot hash") { try configuration.hasher.hash(password) })
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exit 0 if the password on stdin matches HASH, 1 if not.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "A PHC string: $scrypt$… or $pbkdf2-sha256$…") var hash: String

        func run() async throws {
            let hasher = try await config.load().password.hasher
            let password = try readPassword(hasher)
            let matches = try asConfigurationError("cannot verify") { try hasher.verify(password, against: hash) }
            guard matches else { throw CLIError.negative("password does not match") }
            if hasher.needsRehash(hash) {
                FileHandle.standardError.write(Data("note: this hash is weaker than the configured policy; rehash it\n".utf8))
            }
        }
    }
}

/// The password on stdin; empty or over-long input is a usage error.
private func readPassword(_ hasher: PasswordHasher) throws -> String {
    let password = try Input.secret(prompt: "Password: ", limit: hasher.maximumPasswordBytes)
    guard !password.isEmpty else { throw CLIError.usage("empty password on stdin") }
    guard password.utf8.count <= hasher.maximumPasswordBytes else {
        throw CLIError.usage("password longer than password.max_bytes (\(hasher.maximumPasswordBytes) bytes)")
    }
    return password
}

/// Says on stderr that a hash about to be made may be weaker than the OWASP minimums, as
/// `serve` logs at start.
func warnIfWeakCost(_ password: PasswordConfiguration) {
    guard password.allowsWeakCost else { return }
    FileHandle.standardError.write(Data("tessera: warning: password.allow_weak_cost is set: this hash may be weaker than the OWASP minimums\n".utf8))
}
