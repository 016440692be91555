import Foundation

/// What a new password must be, after NIST SP 800-63B-4 §3.1.1.2 and OWASP ASVS 5.0 V6.2: long
/// enough for single-factor use (counted in Unicode code points), no longer than the hashing
/// byte limit, not a commonly used password and not the username. No composition rules and no
/// forced expiry. Existing passwords are never re-checked: the policy applies when one is set.
public struct PasswordPolicy: Sendable {
    /// A rule a password can break; the raw value is what a 422 names in its `rule` member.
    public enum Rule: String, Sendable, CaseIterable {
        case minimumLength = "min_length"
        case maximumLength = "max_length"
        case commonPassword = "common_password"
        case matchesUsername = "matches_username"
    }

    /// Shortest password, in characters (`password.min_length`).
    public let minimumLength: Int
    /// Longest password, in UTF-8 bytes (`password.max_bytes`).
    public let maximumBytes: Int

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
        guard password.utf8.count <= maximumBytes else {
            throw Self.broken(.maximumLength, "password is longer than \(maximumBytes) bytes")
        }
        // Compared as usernames are: `PASSWORD` and `ｐａｓｓｗｏｒｄ` are both `password`.
        let folded = password.foldedForComparison
        guard !CommonPasswords.contains(folded) else {
            throw Self.broken(.commonPassword, "password is on the list of commonly used passwords")
        }
        guard folded != username else { throw Self.broken(.matchesUsername, "password is the username") }
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
