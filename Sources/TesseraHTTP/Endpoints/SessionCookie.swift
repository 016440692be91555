import Foundation
import NIOHTTP1

/// The browser session cookie: `__Host-` prefixed (Secure, Path=/, no Domain, so only this
/// origin over HTTPS can set or see it), HttpOnly, SameSite=Lax. Its value is a 256-bit secret
/// of its own, never the session id that appears in access tokens' `sid`.
enum SessionCookie {
    static let name = "__Host-tessera_session"

    /// The cookie's value in a `Cookie` header, if present.
    static func value(in request: HTTPRequest) -> String? { value(named: name, in: request) }

    /// The value of the cookie `cookie` in a `Cookie` header, if present.
    static func value(named cookie: String, in request: HTTPRequest) -> String? {
        for header in request.headers[canonicalForm: "cookie"] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == cookie {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// `Set-Cookie` for a new session lasting `maxAge` seconds.
    static func set(_ secret: String, maxAge: Int64) -> String { Endpoints.cookie(name, secret, maxAge: maxAge) }

    /// `Set-Cookie` that removes the cookie.
    static var clear: String { Endpoints.cookie(name, "", maxAge: 0) }
}
