import Logging
import NIOHTTP1
import TesseraAuth

/// Turns a thrown error into the response its route's style calls for. The wire sees generic
/// codes and descriptions; the reason goes to the debug log with the request id. Never echoes
/// a token or a secret, never a stack trace.
struct ErrorMapping: Sendable {
    let logger: Logger

    func response(for error: any Error, style: ErrorStyle, request: HTTPRequest) -> HTTPResponse {
        if error is MissingCredentials { return .bearerChallenge(nil, status: .unauthorized) }
        if error is CrossSiteRequest {
            return .problem(.forbidden, title: "Forbidden", detail: "cookie-authenticated changes need an allowed Origin")
        }
        if error is BasicAuthenticationFailed {
            var response = HTTPResponse.oauthError("invalid_client", description: "client authentication failed", status: .unauthorized)
            response.headers.replaceOrAdd(name: "WWW-Authenticate", value: #"Basic realm="tessera", charset="UTF-8""#)
            return response
        }
        guard let error = error as? AuthError else {
            logger.error("unexpected error", metadata: ["request_id": "\(request.requestID)", "error": "\(type(of: error))"])
            return .problem(.internalServerError, title: "Internal Server Error")
        }
        logger.debug("request refused", metadata: ["request_id": "\(request.requestID)", "reason": "\(error.detail)"])
        var response: HTTPResponse
        switch (error.code, style) {
        case (.throttled, _), (.overloaded, _), (.storeUnavailable, _):
            let status: HTTPResponseStatus = error.code == .throttled ? .tooManyRequests : .serviceUnavailable
            if style == .oauth && error.code == .throttled {
                response = .oauthError("invalid_grant", description: "too many failed attempts; retry later", status: status)
            } else {
                response = .problem(status, title: status.reasonPhrase, detail: error.code == .storeUnavailable ? "the store is unavailable" : "retry later")
            }
            if let wait = error.retryAfter ?? (error.code == .storeUnavailable ? 5 : nil) {
                response.headers.replaceOrAdd(name: "Retry-After", value: String(wait))
            }
        case (_, .oauth):
            let status: HTTPResponseStatus = error.code == .invalidClient ? .unauthorized : .badRequest
            response = .oauthError(oauthCode(error.code), description: oauthDescription(error), status: status)
        case (.invalidToken, _), (.invalidGrant, .bearer):
            response = .bearerChallenge("invalid_token", description: "the access token is invalid, expired or revoked")
        case (.notFound, _):
            response = .problem(.notFound, title: "Not Found", detail: error.detail)
        case (.conflict, _):
            response = .problem(.conflict, title: "Conflict", detail: error.detail, field: error.field)
        case (.invalidInput, _):
            response = .problem(.unprocessableEntity, title: "Unprocessable Content", detail: error.detail, field: error.field)
        case (.invalidScope, .bearer):
            response = .bearerChallenge("insufficient_scope", description: error.detail, status: .forbidden)
        default:
            response = .problem(.badRequest, title: "Bad Request", detail: oauthDescription(error))
        }
        return response
    }

    private func oauthCode(_ code: AuthError.Code) -> String {
        switch code {
        case .invalidRequest, .invalidClient, .invalidGrant, .unauthorizedClient, .unsupportedGrantType, .invalidScope: code.rawValue
        case .invalidToken: "invalid_grant"
        default: "invalid_request"
        }
    }

    /// Descriptions safe for the wire: fixed texts per code, plus the detail of input errors
    /// (which name a field, never a value).
    private func oauthDescription(_ error: AuthError) -> String {
        switch error.code {
        case .invalidClient: "client authentication failed"
        case .invalidGrant: "the grant is invalid, expired, revoked or was issued to another client"
        case .unauthorizedClient: "the client is not allowed to do this"
        case .unsupportedGrantType: "unsupported grant_type"
        case .invalidScope: "the requested scope is not allowed"
        default: error.detail
        }
    }
}
