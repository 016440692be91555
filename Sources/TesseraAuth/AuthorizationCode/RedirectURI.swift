import Foundation

/// The redirect URIs a client may register and how a request's one is matched (OAuth 2.1
/// §2.3, RFC 8252 §7, RFC 9700 §4.1.3).
public enum RedirectURI {
    /// The longest URI accepted, in bytes.
    public static let maximumBytes = 2048

    /// What a client may register, as one regular expression (the OpenAPI document carries the
    /// same one): `https://` with a DNS host; `http://` only on the loopback literals
    /// `127.0.0.1` and `[::1]` (RFC 8252 §7.3; `localhost` is refused, §8.3); or a private-use
    /// scheme that is a reverse domain name, such as `com.example.app:/callback` (§7.1). An
    /// optional port, then a path and query of RFC 3986 characters: never a fragment (RFC 6749
    /// §3.1.2), user information, a wildcard or a space.
    public static let pattern =
        #"^(https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?|http://(127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?|[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:)([/?][A-Za-z0-9._~%!$&'()+,;=:@/?-]*)?$"#

    private static let expression = try! NSRegularExpression(pattern: pattern)

    /// `uri` if a client may register it (`pattern`, at most `maximumBytes`); otherwise
    /// `invalid_input` naming `field`.
    public static func validated(_ uri: String, field: String = "redirect_uri") throws -> String {
        guard uri.utf8.count <= maximumBytes, matchesWhole(expression, uri) else {
            throw AuthError.invalidInput(
                field,
                "\(field) must be https://host/…, http://127.0.0.1:PORT/… or http://[::1]:PORT/…, or a private-use scheme like com.example.app:/…, "
                    + "without a fragment, user information or wildcard, at most \(maximumBytes) bytes")
        }
        return uri
    }

    /// Whether `requested` is one of `registered`: the same string, except that for a loopback
    /// `http` URI the port is not compared (RFC 8252 §7.3: native apps get a port at run time).
    public static func matches(_ requested: String, registered: [String]) -> Bool {
        if registered.contains(requested) { return true }
        guard let request = URLComponents(string: requested), request.scheme == "http", isLoopback(request) else { return false }
        let key = portless(request)
        return registered.contains { uri in
            guard let candidate = URLComponents(string: uri), candidate.scheme == "http", isLoopback(candidate) else { return false }
            return portless(candidate) == key
        }
    }

    private static func isLoopback(_ components: URLComponents) -> Bool {
        components.host == "127.0.0.1" || components.host == "[::1]" || components.host == "::1"
    }

    private static func portless(_ components: URLComponents) -> String {
        var copy = components
        copy.port = nil
        return copy.string ?? ""
    }
}

/// An optional e-mail address for the OpenID Connect `email` scope.
public enum Email {
    /// The longest address in Unicode code points (RFC 5321 §4.5.3.1.3).
    public static let maximumLength = 254

    /// `local@domain.tld`: no `@`, control character or space of any kind (the OpenAPI
    /// document carries the same expression), a domain of non-empty dot-separated labels.
    public static let pattern =
        #"^[^@\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF]+@[^@.\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF]+(\.[^@.\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF]+)+$"#

    private static let expression = try! NSRegularExpression(pattern: pattern)

    /// `address` if it has the shape `pattern` describes and at most `maximumLength` code
    /// points; otherwise `invalid_input` on `email`. Tessera does not verify addresses: the
    /// `email_verified` claim is always false.
    public static func validated(_ address: String) throws -> String {
        guard address.unicodeScalars.count <= maximumLength, matchesWhole(expression, address) else {
            throw AuthError.invalidInput("email", "email must be an address of the form name@example.com, at most \(maximumLength) characters")
        }
        return address
    }
}

/// Whether `expression` (anchored) matches all of `text`.
private func matchesWhole(_ expression: NSRegularExpression, _ text: String) -> Bool {
    let range = NSRange(text.startIndex..., in: text)
    return expression.firstMatch(in: text, options: [], range: range).map { $0.range == range } ?? false
}
