import Foundation

/// Usernames in canonical form, so that `Alice`, ` alice ` and `ＡＬＩＣＥ` are one account.
public enum Username {
    /// Longest username, in characters.
    public static let maximumLength = 64
    /// Longest username in UTF-8 bytes: one character may be a long grapheme cluster.
    public static let maximumBytes = 256

    /// Trimmed, NFKC-normalised (Unicode compatibility forms folded) and case-folded. Throws
    /// `invalid_input` for empty, over-long (64 characters or 256 bytes) or control-character names.
    public static func canonical(_ raw: String) throws -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let folded = trimmed.foldedForComparison
        guard !folded.isEmpty else { throw AuthError.invalidInput("username", "username is empty") }
        guard folded.count <= maximumLength else { throw AuthError.invalidInput("username", "username is longer than \(maximumLength) characters") }
        guard folded.utf8.count <= maximumBytes else { throw AuthError.invalidInput("username", "username is longer than \(maximumBytes) bytes") }
        guard !folded.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw AuthError.invalidInput("username", "username contains control characters")
        }
        return folded
    }
}

extension String {
    /// NFKC-normalised and case-folded: the one form usernames and passwords are compared in, so
    /// that `Alice`, `ALICE` and `ＡＬＩＣＥ` are equal.
    var foldedForComparison: String {
        precomposedStringWithCompatibilityMapping.folding(options: [.caseInsensitive], locale: nil).precomposedStringWithCompatibilityMapping
    }
}
