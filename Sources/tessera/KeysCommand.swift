import ArgumentParser
import Foundation
import TesseraCrypto
import TesseraJWT
import TesseraServer

/// `tessera keys …`: manage the JWK Set key file.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the signing key ring (a JWK Set file, mode 0600).",
        subcommands: [Generate.self, List.self, Rotate.self, Retire.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a random key; the first key is active, later ones verify-only until rotated. Prints the kid.")

        @OptionGroup var config: ConfigOptions
        @Option(help: "HS256, HS384 or HS512 (a shared secret); ES256, ES384, EdDSA, RS256 or PS256 (a key pair whose public half is published).")
        var alg: String = "HS256"
        @Option(help: "Key id (default: date and random suffix).") var kid: String?

        func run() async throws {
            guard let algorithm = JWTAlgorithm(rawValue: alg) else { throw CLIError.usage("--alg must be one of \(JWTAlgorithm.names)") }
            let configuration = try await config.load()
            var ring = try KeyFile.loadOrEmpty(configuration.keysFile)
            let now = Int(Date().timeIntervalSince1970)
            let kid = try kid ?? JWTKey.defaultKid(now: now)
            try asConfigurationError("cannot add key") {
                try ring.add(JWTKey.generate(kid: kid, algorithm: algorithm, created: now))
                try ring.write(toFile: configuration.keysFile)
            }
            print(kid)
            let status = ring.signingKey?.kid == kid ? "active" : "verify-only; run `tessera keys rotate` to sign with it"
            FileHandle.standardError.write(Data("added \(algorithm.rawValue) key \(kid) to \(configuration.keysFile) (\(status))\n".utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List kid, alg, status and creation time; never secrets.")
        @OptionGroup var config: ConfigOptions

        func run() async throws {
            let ring = try await asConfigurationError { try await config.load().loadKeyRing() }
            let active = ring.signingKey?.kid
            for key in ring.keys {
                let created = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(key.created)))
                print("\(key.kid)\t\(key.algorithm.rawValue)\t\(key.kid == active ? "active" : "verify")\t\(created)")
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the newest key the signing key; older keys keep verifying. Prints its kid.")
        @OptionGroup var config: ConfigOptions

        func run() async throws {
            let configuration = try await config.load()
            var ring = try KeyFile.load(configuration.keysFile)
            let kid = try asConfigurationError("cannot rotate") {
                let kid = try ring.rotate()
                try ring.write(toFile: configuration.keysFile)
                return kid
            }
            print(kid)
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a verify-only key; tokens it signed stop verifying.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "The kid to remove.") var kid: String

        func run() async throws {
            let configuration = try await config.load()
            var ring = try KeyFile.load(configuration.keysFile)
            try asConfigurationError("cannot retire \(kid)") {
                try ring.retire(kid: kid)
                try ring.write(toFile: configuration.keysFile)
            }
        }
    }
}

/// Key file access for the `keys` commands, which always work on the file.
enum KeyFile {
    static func load(_ path: String) throws -> JWTKeyRing {
        try asConfigurationError("cannot load keys") { try JWTKeyRing(contentsOfFile: path) }
    }

    /// The ring in `path`, or an empty one when the file does not exist yet.
    static func loadOrEmpty(_ path: String) throws -> JWTKeyRing {
        FileManager.default.fileExists(atPath: path) ? try load(path) : try JWTKeyRing(keys: [])
    }
}
