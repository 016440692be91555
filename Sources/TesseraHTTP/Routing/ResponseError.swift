import Logging
import NIOHTTP1
import TesseraAuth

/// How a route group writes its errors (RFC 6749 on /oauth, RFC 6750 on bearer routes, RFC 9457
/// elsewhere).
public enum ErrorStyle: Sendable {
    case oauth
    case bearer
    case problem
}

/// An error that knows the response it becomes in each style. Domain errors conform by
/// extension; the HTTP layer's own input and credential errors are types of their own. The
/// wire sees generic codes and descriptions, never a token, a secret or a stack trace.
public protocol ResponseError: Error {
    func response(style: ErrorStyle) -> HTTPResponse
}

/// Turns anything a handler throws into a response: a `ResponseError` answers for itself (its
/// reason goes to the debug log with the request id); anything else is a logged, bare 500.
struct ErrorResponder: Sendable {
    let logger: Logger

    func response(for error: any Error, style: ErrorStyle, context: RequestContext) -> HTTPResponse {
        guard let error = error as? any ResponseError else {
            logger.error("unexpected error", metadata: ["request_id": "\(context.requestID)", "error": "\(type(of: error))"])
            return .problem(.internalServerError, title: "Internal Server Error")
        }
        if let error = error as? AuthError {
            logger.debug("request refused", metadata: ["request_id": "\(context.requestID)", "reason": "\(error.detail)"])
        }
        return error.response(style: style)
    }
}

/// Malformed input to the HTTP layer: a body of the wrong media type or shape, a repeated or
/// missing form parameter. `invalid_request` on /oauth (RFC 6749 §5.2), 422 naming the field
/// elsewhere.
struct HTTPInputError: ResponseError {
    let field: String?
    let detail: String

    func response(style: ErrorStyle) -> HTTPResponse {
        style == .oauth
            ? .oauthError("invalid_request", description: detail)
            : .problem(.unprocessableEntity, title: "Unprocessable Content", detail: detail, field: field)
    }
}

/// No credentials at all: RFC 6750 §3.1 says answer with a bare challenge.
struct MissingCredentials: ResponseError {
    func response(style: ErrorStyle) -> HTTPResponse { .bearerChallenge(nil, status: .unauthorized) }
}

/// A cookie-authenticated state change from an origin that is neither ours nor trusted.
struct CrossSiteRequest: ResponseError {
    func response(style: ErrorStyle) -> HTTPResponse {
        .problem(.forbidden, title: "Forbidden", detail: "cookie-authenticated changes need an allowed Origin")
    }
}

extension AuthError: ResponseError {
    public func response(style: ErrorStyle) -> HTTPResponse {
        var response: HTTPResponse
        switch (code, style) {
        case (.throttled, _), (.overloaded, _), (.storeUnavailable, _):
            let status: HTTPResponseStatus = code == .throttled ? .tooManyRequests : .serviceUnavailable
            if style == .oauth && code == .throttled {
                response = .oauthError("invalid_grant", description: "too many failed attempts; retry later", status: status)
            } else {
                response = .problem(status, title: status.reasonPhrase, detail: code == .storeUnavailable ? "the store is unavailable" : "retry later")
            }
            if let wait = retryAfter ?? (code == .storeUnavailable ? 5 : nil) {
                response.headers.replaceOrAdd(name: "Retry-After", value: String(wait))
            }
        case (.invalidClient, .oauth):
            // Every 401 carries a challenge (RFC 9110 §15.5.2), whether or not Basic was tried
            // (RFC 6749 §5.2).
            response = .oauthError(oauthCode, description: oauthDescription, status: .unauthorized)
            response.headers.replaceOrAdd(name: "WWW-Authenticate", value: #"Basic realm="tessera", charset="UTF-8""#)
        case (.forbidden, .oauth):
            response = .oauthError("unauthorized_client", description: "the client is not allowed to do this", status: .forbidden)
        case (_, .oauth):
            response = .oauthError(oauthCode, description: oauthDescription)
        case (.forbidden, _):
            response = .problem(.forbidden, title: "Forbidden", detail: detail)
        case (.invalidToken, _), (.invalidGrant, .bearer):
            response = .bearerChallenge("invalid_token", description: "the access token is invalid, expired or revoked")
        case (.notFound, _):
            response = .problem(.notFound, title: "Not Found", detail: detail)
        case (.conflict, _):
            response = .problem(.conflict, title: "Conflict", detail: detail, field: field)
        case (.invalidInput, _):
            response = .problem(.unprocessableEntity, title: "Unprocessable Content", detail: detail, field: field, rule: rule)
        case (.invalidScope, .bearer):
            response = .bearerChallenge("insufficient_scope", description: detail, status: .forbidden)
        default:
            response = .problem(.badRequest, title: "Bad Request", detail: oauthDescription)
        }
        return response
    }

    private var oauthCode: String {
        switch code {
        case .invalidRequest, .invalidClient, .invalidGrant, .unauthorizedClient, .unsupportedGrantType, .invalidScope: code.rawValue
        case .invalidToken: "invalid_grant"
        default: "invalid_request"
        }
    }

    /// Descriptions safe for the wire: fixed texts per code, plus the detail of input errors
    /// (which name a field, never a value).
    private var oauthDescription: String {
        switch code {
        case .invalidClient: "client authentication failed"
        case .invalidGrant: "the grant is invalid, expired, revoked or was issued to another client"
        case .unauthorizedClient: "the client is not allowed to do this"
        case .unsupportedGrantType: "unsupported grant_type"
        case .invalidScope: "the requested scope is not allowed"
        default: detail
        }
    }
}
