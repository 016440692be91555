import Foundation

/// Cost parameters for scrypt, written `ln=…,r=…,p=…` in PHC strings (N = 2^ln).
public struct ScryptParameters: Sendable, Hashable {
    /// log2 of the CPU/memory cost N.
    public var logN: Int
    /// Block size.
    public var r: Int
    /// Parallelism.
    public var p: Int

    /// Creates scrypt parameters; `init(logN: 17, r: 8, p: 1)` is the OWASP minimum row.
    public init(logN: Int, r: Int, p: Int) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    /// Whether every parameter is at least as costly as `other`'s.
    public func isAtLeast(_ other: ScryptParameters) -> Bool {
        logN >= other.logN && r >= other.r && p >= other.p
    }
}

/// A stored password hash in the PHC-style formats passlib and Authelia read and write:
/// `$scrypt$ln=…,r=…,p=…$salt$hash` (standard base64, unpadded) and
/// `$pbkdf2-sha256$rounds$salt$hash` (passlib's "ab64": `.` for `+`, unpadded).
/// Parsing accepts either base64 alphabet in either scheme.
public enum PasswordHash: Sendable, Hashable {
    case scrypt(ScryptParameters, salt: [UInt8], hash: [UInt8])
    case pbkdf2SHA256(rounds: Int, salt: [UInt8], hash: [UInt8])

    static let maximumPBKDF2Rounds = 100_000_000
    static let saltLengths = 0...1024
    static let hashLengths = 16...1024

    /// Parses a PHC string, throwing `CryptoError.invalidPasswordHash` for anything else.
    public init(phc: String) throws {
        let fields = phc.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty else {
            throw CryptoError.invalidPasswordHash("expected $scheme$params$salt$hash")
        }
        let salt = try Self.decode(fields[3], field: "salt", lengths: Self.saltLengths)
        let hash = try Self.decode(fields[4], field: "hash", lengths: Self.hashLengths)
        switch fields[1] {
        case "scrypt":
            self = .scrypt(try Self.parseScryptParameters(fields[2]), salt: salt, hash: hash)
        case "pbkdf2-sha256":
            guard let rounds = Self.parsePositiveInt(fields[2]), rounds <= Self.maximumPBKDF2Rounds else {
                throw CryptoError.invalidPasswordHash("pbkdf2-sha256 rounds")
            }
            self = .pbkdf2SHA256(rounds: rounds, salt: salt, hash: hash)
        default:
            throw CryptoError.invalidPasswordHash("unsupported scheme")
        }
    }

    /// The PHC string, in the exact form passlib writes.
    public var phcString: String {
        switch self {
        case let .scrypt(parameters, salt, hash):
            "$scrypt$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$\(Self.encode(salt, dotForPlus: false))$\(Self.encode(hash, dotForPlus: false))"
        case let .pbkdf2SHA256(rounds, salt, hash):
            "$pbkdf2-sha256$\(rounds)$\(Self.encode(salt, dotForPlus: true))$\(Self.encode(hash, dotForPlus: true))"
        }
    }

    var salt: [UInt8] {
        switch self {
        case let .scrypt(_, salt, _), let .pbkdf2SHA256(_, salt, _): salt
        }
    }

    var hash: [UInt8] {
        switch self {
        case let .scrypt(_, _, hash), let .pbkdf2SHA256(_, _, hash): hash
        }
    }

    private static func parseScryptParameters(_ text: Substring) throws -> ScryptParameters {
        var values: [Substring: Int] = [:]
        for pair in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, ["ln", "r", "p"].contains(parts[0]), values[parts[0]] == nil,
                let value = parsePositiveInt(parts[1])
            else { throw CryptoError.invalidPasswordHash("scrypt parameters") }
            values[parts[0]] = value
        }
        guard let logN = values["ln"], let r = values["r"], let p = values["p"], logN < 63 else {
            throw CryptoError.invalidPasswordHash("scrypt parameters need ln, r and p")
        }
        return ScryptParameters(logN: logN, r: r, p: p)
    }

    /// A decimal without sign or leading zeros, in 1...Int32.max.
    private static func parsePositiveInt(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 10, text.first != "0", text.allSatisfy({ $0.isASCII && $0.isNumber }),
            let value = Int(text), value <= Int(Int32.max)
        else { return nil }
        return value
    }

    private static func decode(_ text: Substring, field: String, lengths: ClosedRange<Int>) throws -> [UInt8] {
        var standard = text.replacingOccurrences(of: ".", with: "+")
        guard standard.utf8.count % 4 != 1, standard.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "/") }) else {
            throw CryptoError.invalidPasswordHash("\(field) is not base64")
        }
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: standard), lengths.contains(data.count) else {
            throw CryptoError.invalidPasswordHash("\(field) is not base64 of a sensible length")
        }
        return [UInt8](data)
    }

    private static func encode(_ bytes: [UInt8], dotForPlus: Bool) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return dotForPlus ? text.replacingOccurrences(of: "+", with: ".") : text
    }
}
