import Foundation

/// Usernames in canonical form, so that `Alice`, ` alice ` and `ＡＬＩＣＥ` are one account.
public enum Username {
    /// Longest username, in characters.
    public static let maximumLength = 64

    /// Trimmed, NFKC-normalised (Unicode compatibility forms folded) and case-folded. Throws
    /// `invalid_input` for empty, over-long or control-character names.
    public static func canonical(_ raw: String) throws -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let folded = trimmed.precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive], locale: nil)
            .precomposedStringWithCompatibilityMapping
        guard !folded.isEmpty else { throw AuthError.invalidInput("username", "username is empty") }
        guard folded.count <= maximumLength else { throw AuthError.invalidInput("username", "username is longer than \(maximumLength) characters") }
        guard !folded.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw AuthError.invalidInput("username", "username contains control characters")
        }
        return folded
    }
}
