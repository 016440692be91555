import ArgumentParser
import Testing

@testable import tessera

/// The CLI's argument parsing and its error exits, without running a process: each argv is
/// parsed as the binary parses it (`parseAsRoot`), and each failure mapped as `main` maps it.
@Suite("CLI: parsing and exit codes")
struct CommandParsingTests {
    @Test("subcommands and their options parse into the expected command")
    func parsesCommands() throws {
        let mint = try #require(
            try TesseraCommand.parseAsRoot(["token", "mint", "--sub", "alice", "--aud", "a", "--aud", "b", "--ttl", "15m"])
                as? TokenCommand.Mint)
        #expect(mint.sub == "alice" && mint.aud == ["a", "b"] && mint.ttl == "15m")
        let serve = try #require(try TesseraCommand.parseAsRoot(["serve", "--host", "127.0.0.1", "--host", "::1", "--port", "0"]) as? ServeCommand)
        #expect(serve.host == ["127.0.0.1", "::1"] && serve.port == 0)
        let add = try #require(
            try TesseraCommand.parseAsRoot(["client", "add", "web", "--public", "--scope", "read", "--store", "sqlite:x.db"])
                as? ClientCommand.Add)
        #expect(add.id == "web" && add.isPublic && add.scope == ["read"] && add.config.store == "sqlite:x.db")
        let list = try #require(try TesseraCommand.parseAsRoot(["user", "list", "--limit", "5", "--after", "bob"]) as? UserCommand.List)
        #expect(list.limit == 5 && list.after == "bob")
    }

    @Test("every --ttl form: seconds, s, m, h, d; anything else is a usage error")
    func durations() throws {
        #expect(try TokenCommand.Mint.parseDuration("900") == 900)
        #expect(try TokenCommand.Mint.parseDuration("900s") == 900)
        #expect(try TokenCommand.Mint.parseDuration("15m") == 900)
        #expect(try TokenCommand.Mint.parseDuration("2h") == 7200)
        #expect(try TokenCommand.Mint.parseDuration("1d") == 86400)
        for bad in ["", "m", "-5", "0", "1.5h", "15 m", "1w", "99999999999d", "١٥m"] {
            #expect(throws: CLIError.self, "\(bad)") { try TokenCommand.Mint.parseDuration(bad) }
        }
    }

    /// The exit code `main` gives for what parsing `arguments` throws.
    static func exitCode(_ arguments: [String]) -> Int32? {
        do {
            _ = try TesseraCommand.parseAsRoot(arguments)
            return nil
        } catch {
            return Main.outcome(of: error).code
        }
    }

    @Test(
        "usage errors exit 2 with a message; --help exits 0 on stdout",
        arguments: [
            ["token", "mint"],
            ["token", "verify"],
            ["token", "verify", "x", "--typ", "JWT", "--no-typ-check"],
            ["token", "verify", "x", "--leeway", "100000"],
            ["serve", "--port", "eighty"],
            ["user", "list", "--limit"],
            ["no-such-command"],
        ])
    func usageErrors(_ arguments: [String]) {
        #expect(Self.exitCode(arguments) == 2)
    }

    @Test("--help is success, printed on stdout, for the root and for a subcommand")
    func help() {
        for command in [TesseraCommand.self, TokenCommand.Mint.self] as [any ParsableCommand.Type] {
            let outcome = Main.outcome(of: CleanExit.helpRequest(command))
            #expect(outcome.code == 0 && outcome.toStandardOutput && outcome.message.contains("USAGE"))
        }
    }

    @Test("a negative answer is exit 1, a usage or configuration failure exit 2, each one line prefixed tessera:")
    func cliErrors() {
        let negative = Main.outcome(of: CLIError.negative("invalid token: expired"))
        #expect(negative.code == 1 && negative.message == "tessera: invalid token: expired" && !negative.toStandardOutput)
        #expect(Main.outcome(of: CLIError.usage("bad")).code == 2)
    }
}
