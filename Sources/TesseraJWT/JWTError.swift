/// The one error TesseraJWT throws. Each value names the check that failed, for logs and the CLI;
/// none carries the token or any key material.
public struct JWTError: Error, Hashable, CustomStringConvertible {
    private enum Code: String {
        case tokenTooLarge = "token exceeds the size limit"
        case malformed = "token is not three dot-separated segments"
        case invalidEncoding = "a segment is not strict unpadded base64url"
        case invalidHeader = "header is not a JSON object with unique members"
        case unsecured = "alg \"none\" is never accepted"
        case unknownKey = "no key matches the token's kid"
        case algorithmMismatch = "alg does not match the key's algorithm"
        case unsupportedCritical = "crit names an extension this verifier does not understand"
        case invalidSignature = "signature does not verify"
        case invalidClaims = "claims are not a JSON object with unique members"
        case invalidTimeClaim = "exp, nbf or iat is not a JSON number"
        case missingExpiration = "exp is required but missing"
        case expired = "token has expired (exp)"
        case notYetValid = "token is not yet valid (nbf)"
        case issuedInFuture = "token was issued in the future (iat)"
        case invalidIssuer = "iss is missing or not the expected issuer"
        case invalidAudience = "aud does not name an accepted audience"
        case invalidType = "typ is missing or not the expected type"
        case missingClaim = "a claim the access-token profile requires is missing"
        case invalidClaim = "a claim is not what the access-token profile allows"
        case lifetimeTooLong = "exp is further from iat, or from now, than the longest lifetime allowed"
        case invalidKeySet = "key set is not a valid JWK Set of oct keys"
        case keyTooShort = "key is shorter than its algorithm's hash output"
        case noSigningKey = "key ring has no active signing key"
        case keyFileUnavailable = "key file cannot be read or written"
        case insecureKeyFile = "key file is accessible to group or others"
    }

    private let code: Code
    /// More context for logs (never a secret); may be empty.
    public let detail: String

    private init(_ code: Code, detail: String = "") {
        self.code = code
        self.detail = detail
    }

    func with(_ detail: String) -> JWTError { JWTError(code, detail: detail) }

    /// A short, stable name of the failed check, e.g. `expired`.
    public var check: String { "\(code)" }

    public static let tokenTooLarge = JWTError(.tokenTooLarge)
    public static let malformed = JWTError(.malformed)
    public static let invalidEncoding = JWTError(.invalidEncoding)
    public static let invalidHeader = JWTError(.invalidHeader)
    public static let unsecured = JWTError(.unsecured)
    public static let unknownKey = JWTError(.unknownKey)
    public static let algorithmMismatch = JWTError(.algorithmMismatch)
    public static let unsupportedCritical = JWTError(.unsupportedCritical)
    public static let invalidSignature = JWTError(.invalidSignature)
    public static let invalidClaims = JWTError(.invalidClaims)
    public static let invalidTimeClaim = JWTError(.invalidTimeClaim)
    public static let missingExpiration = JWTError(.missingExpiration)
    public static let expired = JWTError(.expired)
    public static let notYetValid = JWTError(.notYetValid)
    public static let issuedInFuture = JWTError(.issuedInFuture)
    public static let invalidIssuer = JWTError(.invalidIssuer)
    public static let invalidAudience = JWTError(.invalidAudience)
    public static let missingClaim = JWTError(.missingClaim)
    public static let invalidClaim = JWTError(.invalidClaim)
    public static let lifetimeTooLong = JWTError(.lifetimeTooLong)
    public static let invalidType = JWTError(.invalidType)
    public static let invalidKeySet = JWTError(.invalidKeySet)
    public static let keyTooShort = JWTError(.keyTooShort)
    public static let noSigningKey = JWTError(.noSigningKey)
    public static let keyFileUnavailable = JWTError(.keyFileUnavailable)
    public static let insecureKeyFile = JWTError(.insecureKeyFile)

    /// Equal when the same check failed, whatever the detail.
    public static func == (lhs: JWTError, rhs: JWTError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String { detail.isEmpty ? "\(check): \(code.rawValue)" : "\(check): \(code.rawValue) (\(detail))" }
}
