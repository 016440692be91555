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
            SessionCommand.self, ServeCommand.self,
        ]
    )
}

@main
enum Main {
    static func main() async {
        do {
            var command = try TesseraCommand.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("tessera: \(error.message)\n".utf8))
            exit(error.exitCode)
        } catch {
            let code = TesseraCommand.exitCode(for: error)
            let message = TesseraCommand.fullMessage(for: error)
            if code == .success {
                print(message)
                exit(0)
            }
            FileHandle.standardError.write(Data("\(message)\n".utf8))
            exit(2)
        }
    }
}
