import ArgumentParser
import Configuration
import Foundation
import TesseraAuth
import TesseraCrypto
import TesseraJWT
import TesseraServer

/// `tessera token …`: mint, verify and inspect access tokens.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint, verify and decode access tokens (RFC 9068 JWTs).",
        subcommands: [Mint.self, Verify.self, Decode.self]
    )

    /// Claims `--claim` may not set: the registered ones and those Tessera writes itself.
    static let reservedClaims: Set<String> = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "client_id", "scope", "sid"]

    struct Mint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign an access token and print it on stdout.")
        @OptionGroup var config: ConfigOptions
        @Option(help: "Subject (sub).") var sub: String
        @Option(help: "Audience (aud); repeat for several (default: token.audience).") var aud: [String] = []
        @Option(help: "Space-separated scopes.") var scope: String?
        @Option(help: "Lifetime: 900, 900s, 15m, 1h or 1d (default token.ttl_seconds; at most token.max_ttl_seconds).") var ttl: String?
        @Option(help: "Extra claim name=value; a value that parses as JSON is used as JSON, otherwise as a string.") var claim: [String] = []
        @Option(help: "Sign with this key instead of the active one.") var kid: String?
        @Option(help: "Issuer (iss) (default: issuer).") var issuer: String?
        @Option(name: .customLong("client-id"), help: "client_id claim (default: token.client_id).") var clientID: String?

        func run() async throws {
            let configuration = try await config.load()
            let token = configuration.token
            let lifetime = try ttl.map(Self.parseDuration) ?? token.ttlSeconds
            guard lifetime <= token.maximumTTLSeconds else {
                throw CLIError.usage("--ttl \(lifetime)s exceeds token.max_ttl_seconds (\(token.maximumTTLSeconds)s)")
            }
            guard !sub.isEmpty else { throw CLIError.usage("--sub must not be empty") }
            let audiences = aud.isEmpty ? token.audiences : aud
            let now = Int(Date().timeIntervalSince1970)
            var claims = JWTClaims()
            claims["iss"] = .string(issuer ?? configuration.issuer)
            claims["sub"] = .string(sub)
            if audiences.count == 1 {
                claims["aud"] = .string(audiences[0])
            } else if !audiences.isEmpty {
                claims["aud"] = .array(audiences.map(JSONValue.string))
            }
            claims["exp"] = .int(now + lifetime)
            claims["iat"] = .int(now)
            claims["jti"] = .string(Base64URL.encode(try SecureRandom.bytes(count: 16)))
            claims["client_id"] = .string(clientID ?? token.cliClientID)
            if let scope { claims["scope"] = .string(scope) }
            for entry in claim {
                let (name, value) = try Self.parseClaim(entry)
                claims[name] = value
            }
            let ring = try await asConfigurationError { try configuration.loadKeyRing() }
            print(try asConfigurationError("cannot sign") { try JWTSigner(keyRing: ring, type: token.type).sign(claims, kid: kid) })
        }

        /// Seconds from `900`, `900s`, `15m`, `2h` or `1d`.
        static func parseDuration(_ text: String) throws -> Int {
            let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
            var digits = Substring(text)
            var unit = 1
            if let last = text.last, let multiplier = units[last] {
                digits = text.dropLast()
                unit = multiplier
            }
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int(digits), value > 0,
                value <= Int(Int32.max) / unit
            else { throw CLIError.usage("--ttl must look like 900, 900s, 15m, 1h or 1d, not \(text)") }
            return value * unit
        }

        static func parseClaim(_ entry: String) throws -> (String, JSONValue) {
            guard let equals = entry.firstIndex(of: "=") else { throw CLIError.usage("--claim must be name=value, got \(entry)") }
            let name = String(entry[..<equals])
            let text = String(entry[entry.index(after: equals)...])
            guard !name.isEmpty else { throw CLIError.usage("--claim needs a name") }
            guard !TokenCommand.reservedClaims.contains(name) else {
                throw CLIError.usage("--claim cannot set the reserved claim \(name); use its own option")
            }
            return (name, JSONValue(parsing: text) ?? .string(text))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a token; print {\"header\",\"claims\"} and exit 0, or name the failed check and exit 1.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "The token, or - to read it from stdin.") var token: String
        @Option(help: "Accepted audience; repeat for several (default: token.audience).") var aud: [String] = []
        @Option(help: "Required issuer (default: issuer).") var issuer: String?
        @Option(help: "Clock skew allowed, in seconds, 0-300 (default: token.leeway_seconds).") var leeway: Int?
        @Option(help: "Required header typ (default: token.type).") var typ: String?
        @Flag(name: .customLong("no-typ-check"), help: "Skip the typ check.") var noTypCheck = false
        @Option(help: "at (default): an RFC 9068 access token, as the server checks it; jwt: plain RFC 7519, for tokens from other issuers.")
        var profile: Profile = .at

        enum Profile: String, ExpressibleByArgument {
            case at
            case jwt
        }

        func validate() throws {
            if typ != nil && noTypCheck { throw ValidationError("--typ and --no-typ-check exclude each other") }
            if let leeway, !(0...300).contains(leeway) { throw ValidationError("--leeway must be between 0 and 300") }
        }

        func run() async throws {
            let configuration = try await config.load()
            var options = configuration.token.validationOptions(issuer: issuer ?? configuration.issuer)
            if let leeway { options.leeway = Double(leeway) }
            if !aud.isEmpty { options.audiences = Set(aud) }
            options.expectedType = noTypCheck ? nil : (typ ?? configuration.token.type)
            if profile == .jwt { options.maximumAccessTokenLifetime = nil }
            let text = token == "-" ? try Input.token(limit: configuration.token.maximumBytes) : token
            let verifier = JWTVerifier(keyRing: try await asConfigurationError { try configuration.loadKeyRing() }, options: options)
            let verified: VerifiedJWT
            do {
                verified = try verifier.verify(text)
            } catch let error as JWTError {
                throw CLIError.negative("invalid token: \(error)")
            }
            print(TokenCommand.render(header: verified.header, claims: verified.claims.object))
        }
    }

    struct Decode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a token's header and claims WITHOUT verifying anything.")
        @Argument(help: "The token, or - to read it from stdin.") var token: String

        func run() async throws {
            let text = token == "-" ? try Input.token(limit: 65536) : token
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3,
                let headerBytes = Base64URL.decode(parts[0]), let header = JSONValue(parsing: headerBytes)?.objectValue,
                let claimBytes = Base64URL.decode(parts[1]), let claims = JSONValue(parsing: claimBytes)?.objectValue
            else { throw CLIError.negative("not a JWT: expected three base64url segments with JSON object header and claims") }
            FileHandle.standardError.write(Data("warning: decoded only; the signature and claims were NOT verified\n".utf8))
            print(TokenCommand.render(header: header, claims: claims))
        }
    }

    static func render(header: JSONObject, claims: JSONObject) -> String {
        JSONObject(dictionaryLiteral: ("header", .object(header)), ("claims", .object(claims))).serialized
    }
}
