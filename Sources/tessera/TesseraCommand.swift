import ArgumentParser
import Foundation

/// The `tessera` command: one binary for operators, reading the same configuration as the server.
struct TesseraCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Tessera JWT authentication service: keys, tokens and passwords.",
        discussion: """
            Exit codes: 0 success, 1 a negative answer (invalid token, wrong password), \
            2 usage or configuration error.
            """,
        subcommands: [
            KeysCommand.self, TokenCommand.self, PasswordCommand.self, MigrateCommand.self, UserCommand.self, ClientCommand.self,
            SessionCommand.self, PruneCommand.self, ServeCommand.self,
        ]
    )
}

@main
enum Main {
    static func main() async {
        do {
            var command = try TesseraCommand.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let (code, message, toStandardOutput) = outcome(of: error)
            if toStandardOutput {
                print(message)
            } else {
                FileHandle.standardError.write(Data("\(message)\n".utf8))
            }
            exit(code)
        }
    }

    /// How a command that threw ends: the exit code (0 for help and version, 1 for a negative
    /// answer, 2 for anything else: usage, configuration, store), the one message, and where it goes.
    static func outcome(of error: any Error) -> (code: Int32, message: String, toStandardOutput: Bool) {
        if let error = error as? CLIError { return (error.exitCode, "tessera: \(error.message)", false) }
        let message = TesseraCommand.fullMessage(for: error)
        if TesseraCommand.exitCode(for: error) == .success { return (0, message, true) }
        return (2, message, false)
    }
}
