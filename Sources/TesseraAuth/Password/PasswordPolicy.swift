import Foundation

/// What a new password must be, after NIST SP 800-63B-4 §3.1.1.2 and OWASP ASVS 5.0 V6.2: long
/// enough for single-factor use (counted in Unicode code points), no longer than the hashing
/// byte limit, not predictable (a commonly used password, alone or with digits and symbols
/// around it; one character or one chunk repeated; a run of consecutive characters) and not
/// the username. No composition rules and no forced expiry. Existing passwords are never
/// re-checked: the policy applies when one is set.
public struct PasswordPolicy: Sendable {
    /// A rule a password can break; the raw value is what a 422 names in its `rule` member.
    public enum Rule: String, Sendable, CaseIterable {
        case minimumLength = "min_length"
        case maximumLength = "max_length"
        case commonPassword = "common_password"
        case repetitive = "repetitive_or_sequential"
        case matchesUsername = "matches_username"
    }

    /// Shortest password, in characters (`password.min_length`).
    public let minimumLength: Int
    /// The hashing budget, in UTF-8 bytes (`password.max_bytes`).
    public let maximumBytes: Int
    /// Longest new password, in characters (code points): a quarter of `maximumBytes`.
    public var maximumLength: Int { maximumBytes / 4 }

    public init(minimumLength: Int, maximumBytes: Int) {
        self.minimumLength = minimumLength
        self.maximumBytes = maximumBytes
    }

    /// Throws `invalid_input` naming the first rule `password` breaks. `username` is the
    /// canonical username the password is for.
    public func check(_ password: String, username: String) throws {
        guard password.unicodeScalars.count >= minimumLength else {
            throw Self.broken(.minimumLength, "password is shorter than \(minimumLength) characters")
        }
        // A quarter of the hashing budget in characters: any such password fits the budget in
        // UTF-8 (4 bytes at most per character), so the limit is one a client can count.
        guard password.unicodeScalars.count <= maximumLength else {
            throw Self.broken(.maximumLength, "password is longer than \(maximumLength) characters")
        }
        // Compared as usernames are: `PASSWORD` and `ｐａｓｓｗｏｒｄ` are both `password`.
        let folded = password.trimmingCharacters(in: .whitespacesAndNewlines).foldedForComparison
        guard !CommonPasswords.contains(folded), !CommonPasswords.contains(Self.core(of: folded)) else {
            throw Self.broken(.commonPassword, "password is a commonly used password, or one with digits or symbols added")
        }
        guard !Self.isRepetitiveOrSequential(folded) else {
            throw Self.broken(.repetitive, "password repeats one character or chunk, or is a run of consecutive characters")
        }
        guard folded != username else { throw Self.broken(.matchesUsername, "password is the username") }
    }

    /// The password without the digits, punctuation and spaces around it: `!!password2024!` is
    /// `password`, the usual way a listed password is stretched past a length rule.
    static func core(of folded: String) -> String {
        let decoration = CharacterSet.decimalDigits.union(.punctuationCharacters).union(.symbols).union(.whitespaces)
        return String(String.UnicodeScalarView(folded.unicodeScalars.drop { decoration.contains($0) }.reversed().drop { decoration.contains($0) }.reversed()))
    }

    /// One chunk repeated (`aaaaaaaaaaaaaaa`, `passwordpassword`, `abcabcabcabcabc`), or every
    /// character the successor or predecessor of the one before (`123456789012345`,
    /// `zyxwvutsrqponml`; digits wrap from 9 to 0).
    static func isRepetitiveOrSequential(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count > 1 else { return true }
        for length in 1...(scalars.count / 2) where scalars.count % length == 0 {
            if (length..<scalars.count).allSatisfy({ scalars[$0] == scalars[$0 - length] }) { return true }
        }
        func step(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Int {
            if CharacterSet.decimalDigits.contains(a), CharacterSet.decimalDigits.contains(b), a.isASCII, b.isASCII {
                return (Int(b.value) - Int(a.value) + 10) % 10 == 1 ? 1 : (Int(a.value) - Int(b.value) + 10) % 10 == 1 ? -1 : 0
            }
            return Int(b.value) - Int(a.value)
        }
        let first = step(scalars[0], scalars[1])
        return abs(first) == 1 && zip(scalars, scalars.dropFirst()).allSatisfy { step($0, $1) == first }
    }

    private static func broken(_ rule: Rule, _ detail: String) -> AuthError {
        AuthError(.invalidInput, detail, field: "password", rule: rule.rawValue)
    }
}

/// The commonly used passwords a new password may not be (`CommonPasswordList.swift`).
enum CommonPasswords {
    /// Every entry, in `foldedForComparison` form (the list is lowercase ASCII).
    static let entries = Set(list.split(separator: "\n").map(String.init))

    static func contains(_ folded: String) -> Bool { entries.contains(folded) }
}
