import TesseraCrypto

/// Password acceptance per NIST SP 800-63B §5.1.1.2: a minimum length counted in Unicode code
/// points (as NIST and JSON Schema's `minLength` count), long passphrases allowed up to the
/// hashing byte limit, and no composition rules.
struct PasswordRules {
    let minimumLength: Int
    let maximumBytes: Int

    func check(_ password: String) throws {
        guard password.unicodeScalars.count >= minimumLength else {
            throw AuthError.invalidInput("password", "password is shorter than \(minimumLength) characters")
        }
        guard password.utf8.count <= maximumBytes else {
            throw AuthError.invalidInput("password", "password is longer than \(maximumBytes) bytes")
        }
    }
}
