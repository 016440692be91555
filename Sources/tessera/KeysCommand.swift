import ArgumentParser
import Foundation
import TesseraAuth
import TesseraCrypto
import TesseraJWT
import TesseraServer

/// `tessera keys …`: manage the JWK Set key file (see Documentation/keys.md).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the signing key ring (a JWK Set file, mode 0600).",
        subcommands: [Generate.self, Import.self, List.self, Rotate.self, Retire.self, Export.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new key: the first key that can sign is active, later ones are next until rotated. Prints the kid.")

        @OptionGroup var config: ConfigOptions
        @Option(help: "HS256, HS384 or HS512 (a shared secret); ES256, ES384, EdDSA, RS256 or PS256 (a key pair whose public half is published).")
        var alg: String = "HS256"
        @Option(help: "Key id (default: date and random suffix).") var kid: String?

        func run() async throws {
            let algorithm = try KeyFile.algorithm(alg)
            try await KeyFile.add(config: config, kid: kid) { kid, now in try JWTKey.generate(kid: kid, algorithm: algorithm, created: now) }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a PEM key (a private key signs once rotated in; a public key only verifies). Prints the kid.")

        @OptionGroup var config: ConfigOptions
        @Argument(help: "A PEM file: PKCS#8 or traditional private key, or SubjectPublicKeyInfo public key.") var file: String
        @Option(help: "ES256, ES384, EdDSA, RS256 or PS256: the algorithm the key is pinned to.") var alg: String
        @Option(help: "Key id (default: date and random suffix).") var kid: String?

        func run() async throws {
            let algorithm = try KeyFile.algorithm(alg)
            guard !algorithm.isSymmetric else { throw CLIError.usage("import takes asymmetric keys; generate HMAC keys with `tessera keys generate`") }
            guard let pem = FileManager.default.contents(atPath: file) else { throw CLIError.usage("cannot read \(file)") }
            try await KeyFile.add(config: config, kid: kid) { kid, now in
                let key = try asConfigurationError("cannot import \(file)") { try AsymmetricKey(pem: String(decoding: pem, as: UTF8.self)) }
                return try JWTKey(kid: kid, algorithm: algorithm, key: key, created: now)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List kid, alg, state, creation time, verifications and last use (all instances, up to 30 s behind); never secrets.")
        @OptionGroup var config: ConfigOptions

        func run() async throws {
            let (ring, uses) = try await withServices(config) { tokens, _, configuration in
                (try configuration.loadKeyRing(), try await tokens.environment.store.read { try await $0.keyUses() })
            }
            let time = { (seconds: Int64) in ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(seconds))) }
            for key in ring.keys {
                let use = uses[key.kid]
                let columns = [
                    key.kid, key.algorithm.rawValue, ring.state(of: key.kid).rawValue, time(Int64(key.created)),
                    String(use?.verifications ?? 0), use.map { time($0.lastUsedAt) } ?? "never",
                ]
                print(columns.joined(separator: "\t"))
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Promote the newest next key to active (the active key becomes previous). Prints its kid.")
        @OptionGroup var config: ConfigOptions
        @Flag(help: "Promote an asymmetric key before keys.publish_ahead_seconds have passed (JWKS caches may not know it yet).")
        var force = false

        func run() async throws {
            let configuration = try await config.load()
            var ring = try KeyFile.load(configuration.keysFile)
            let rotated = try asConfigurationError("cannot rotate") {
                let rotated = try ring.rotate(now: Int(Date().timeIntervalSince1970), publishAhead: configuration.keysPublishAhead, force: force)
                try ring.write(toFile: configuration.keysFile)
                return rotated
            }
            if let early = rotated.early {
                FileHandle.standardError.write(
                    Data(
                        "tessera: warning: \(rotated.kid) signs \(early) s before keys.publish_ahead_seconds: a resource server's cached JWKS may not know it yet\n"
                            .utf8))
            }
            print(rotated.kid)
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a next or previous key; tokens it signed stop verifying.")
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

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the public JWK Set, as /.well-known/jwks.json serves it (asymmetric keys only, never a secret).")
        @OptionGroup var config: ConfigOptions
        @Flag(help: "Required: only the public keys can be exported.") var `public` = false

        func run() async throws {
            guard `public` else { throw CLIError.usage("only --public is supported: private keys never leave the key file") }
            let ring = try await asConfigurationError { try await config.load().loadKeyRing() }
            print(JSONValue.object(ring.publicJWKS).serialized)
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

    static func algorithm(_ name: String) throws -> JWTAlgorithm {
        guard let algorithm = JWTAlgorithm(rawValue: name) else { throw CLIError.usage("--alg must be one of \(JWTAlgorithm.names)") }
        return algorithm
    }

    /// Adds the key `make` returns (given its kid and the time) to the key file, prints its
    /// kid, and says on stderr which state it is in.
    static func add(config: ConfigOptions, kid: String?, _ make: (String, Int) throws -> JWTKey) async throws {
        let configuration = try await config.load()
        var ring = try loadOrEmpty(configuration.keysFile)
        let now = Int(Date().timeIntervalSince1970)
        let kid = try kid ?? JWTKey.defaultKid(now: now)
        let key = try make(kid, now)
        try asConfigurationError("cannot add key") {
            try ring.add(key)
            try ring.write(toFile: configuration.keysFile)
        }
        print(kid)
        let state =
            switch ring.state(of: kid) {
            case .active: "active"
            case .next: "next; `tessera keys rotate` makes it sign\(key.algorithm.isSymmetric ? "" : " after keys.publish_ahead_seconds")"
            case .previous: "verify-only (a public key)"
            }
        FileHandle.standardError.write(Data("added \(key.algorithm.rawValue) key \(kid) to \(configuration.keysFile) (\(state))\n".utf8))
    }
}
