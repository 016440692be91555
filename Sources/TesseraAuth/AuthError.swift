/// The one error TesseraAuth throws. `code` is what the wire may see (an OAuth error code or a
/// generic admin failure); `detail` is for the debug log and never holds a secret.
public struct AuthError: Error, Hashable, CustomStringConvertible {
    /// The outward-facing kind of failure.
    public enum Code: String, Sendable {
        // RFC 6749 §5.2
        case invalidRequest = "invalid_request"
        case invalidClient = "invalid_client"
        case invalidGrant = "invalid_grant"
        case unauthorizedClient = "unauthorized_client"
        case unsupportedGrantType = "unsupported_grant_type"
        case invalidScope = "invalid_scope"
        // RFC 6750 §3.1
        case invalidToken = "invalid_token"
        // Administration and operations
        case throttled = "throttled"
        case overloaded = "overloaded"
        case notFound = "not_found"
        case conflict = "conflict"
        case invalidInput = "invalid_input"
        /// An authenticated caller that may not do this (403).
        case forbidden = "forbidden"
        case storeUnavailable = "store_unavailable"
    }

    /// What kind of failure this is.
    public let code: Code
    /// For logs only: the specific reason (which check failed, which field).
    public let detail: String
    /// For `throttled` and `overloaded`: seconds the caller should wait.
    public let retryAfter: Int?
    /// For `invalidInput` and `conflict`: the offending field.
    public let field: String?
    /// For `invalidInput`: the rule the value breaks, when the field has named rules (a
    /// password's `PasswordPolicy.Rule`).
    public let rule: String?

    /// An error of `code`; `detail` is for logs only.
    public init(_ code: Code, _ detail: String, retryAfter: Int? = nil, field: String? = nil, rule: String? = nil) {
        self.code = code
        self.detail = detail
        self.retryAfter = retryAfter
        self.field = field
        self.rule = rule
    }

    static func invalidGrant(_ detail: String) -> AuthError { AuthError(.invalidGrant, detail) }
    static func invalidClient(_ detail: String) -> AuthError { AuthError(.invalidClient, detail) }
    static func invalidInput(_ field: String, _ detail: String) -> AuthError { AuthError(.invalidInput, detail, field: field) }
    static func notFound(_ detail: String) -> AuthError { AuthError(.notFound, detail) }

    /// Bad input from a caller, naming the field (the value is never repeated).
    public static func invalidInputError(field: String, detail: String) -> AuthError { AuthError(.invalidInput, detail, field: field) }
    /// A request missing or misusing a parameter (RFC 6749 `invalid_request`).
    public static func invalidRequest(_ detail: String) -> AuthError { AuthError(.invalidRequest, detail) }
    /// An unknown `grant_type`.
    public static func unsupportedGrantType(_ detail: String) -> AuthError { AuthError(.unsupportedGrantType, detail) }
    /// Credentials that do not allow the request (RFC 6750 `insufficient_scope`).
    public static func insufficientScope(_ detail: String) -> AuthError { AuthError(.invalidScope, detail) }

    /// A uniqueness violation reported by a store (a taken username, an existing client id).
    public static func conflict(_ field: String, _ detail: String) -> AuthError { AuthError(.conflict, detail, field: field) }
    /// A store that cannot be reached or failed; the detail names the operation, never a secret.
    public static func storeUnavailable(_ detail: String) -> AuthError { AuthError(.storeUnavailable, detail) }

    /// Equal when the codes are equal.
    public static func == (lhs: AuthError, rhs: AuthError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String { "\(code.rawValue): \(detail)" }
}
