import Logging
import NIOHTTP1
import TesseraAuth
import Testing

@testable import TesseraHTTP

@Suite("HTTP: error mapping")
struct ResponseErrorTests {
    let mapping = ErrorResponder(logger: Logger(label: "test"))
    let context = RequestContext()

    @Test("a full hashing queue is 503 with Retry-After in every style", arguments: [ErrorStyle.oauth, .bearer, .problem])
    func overloaded(_ style: ErrorStyle) {
        let response = mapping.response(for: AuthError(.overloaded, "queue full", retryAfter: 1), style: style, context: context)
        #expect(response.status == .serviceUnavailable && response.headers["Retry-After"] == ["1"])
    }

    @Test("an unreachable store is 503 and says nothing about the database")
    func storeDown() {
        let response = mapping.response(
            for: AuthError.storeUnavailable("PostgreSQL: password authentication failed for user x"), style: .problem, context: context)
        #expect(response.status == .serviceUnavailable && response.headers["Retry-After"] == ["5"])
        #expect(!String(decoding: response.body, as: UTF8.self).contains("password authentication"))
    }

    @Test("throttled logins on /oauth are invalid_grant with 429 and Retry-After")
    func throttled() {
        let response = mapping.response(for: AuthError(.throttled, "too many", retryAfter: 8), style: .oauth, context: context)
        #expect(response.status == .tooManyRequests && response.headers["Retry-After"] == ["8"])
        #expect(String(decoding: response.body, as: UTF8.self).contains("invalid_grant"))
    }

    @Test("HTTP input errors: invalid_request on /oauth, 422 naming the field elsewhere")
    func inputErrors() {
        let error = HTTPInputError(field: "username", detail: "username is required")
        let oauth = mapping.response(for: error, style: .oauth, context: context)
        #expect(oauth.status == .badRequest && String(decoding: oauth.body, as: UTF8.self).contains("invalid_request"))
        let problem = mapping.response(for: error, style: .problem, context: context)
        #expect(problem.status == .unprocessableEntity && String(decoding: problem.body, as: UTF8.self).contains("username"))
    }

    @Test("anything unexpected is a bare 500 problem without internals")
    func unexpected() {
        struct Boom: Error {}
        let response = mapping.response(for: Boom(), style: .problem, context: context)
        #expect(response.status == .internalServerError && !String(decoding: response.body, as: UTF8.self).contains("Boom"))
    }
}
