import Foundation
import NIOHTTP1

/// The hosted pages of the authorization code flow: server-rendered HTML with no script, no
/// framework and no asset but one same-origin stylesheet, sent with headers that keep them out
/// of frames, caches and referrers.
enum LoginPages {
    /// `default-src 'none'` allows nothing not named; the stylesheet is same-origin;
    /// `frame-ancestors 'none'` refuses every frame (clickjacking). Forms post to this origin
    /// only, and a form whose answer redirects to the client also names the client's origin:
    /// browsers apply `form-action` to the redirects that follow a post (CSP Level 3 §6.3.1),
    /// so without it the 303 back to the client would be blocked.
    static func contentSecurityPolicy(formTarget: String? = nil) -> String {
        "default-src 'none'; style-src 'self'; form-action 'self'\(formTarget.map { " " + $0 } ?? ""); frame-ancestors 'none'"
    }

    /// The CSP source expression for a redirect URI: its origin (`https://rp.example`,
    /// `http://127.0.0.1:8080`) or, for a private-use scheme, the scheme (`com.example.app:`).
    static func formTarget(for redirectURI: String) -> String? {
        guard let components = URLComponents(string: redirectURI), let scheme = components.scheme?.lowercased() else { return nil }
        let source: String
        if let host = components.host, !host.isEmpty {
            let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            source = "\(scheme)://\(bracketed)" + (components.port.map { ":\($0)" } ?? "")
        } else {
            source = scheme + ":"
        }
        // Nothing that could end the directive or the header.
        return source.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && !";,'\"".unicodeScalars.contains($0) }) ? source : nil
    }

    /// Where the pages live under the issuer's path.
    struct Paths: Sendable {
        let login: String
        let consent: String
        let logout: String
        let stylesheet: String

        init(issuer: String) {
            var base = URLComponents(string: issuer)?.path ?? ""
            if base.hasSuffix("/") { base.removeLast() }
            login = base + "/oauth/login"
            consent = base + "/oauth/consent"
            logout = base + "/oauth/logout"
            stylesheet = base + "/oauth/static/login.css"
        }
    }

    static func login(_ paths: Paths, csrfToken: String, clientID: String, username: String = "", error: String? = nil) -> String {
        document(
            paths, title: "Sign in",
            """
            <h1>Sign in</h1>
            <p class="client">to continue to <strong>\(escape(clientID))</strong></p>
            \(error.map { "<p class=\"error\" role=\"alert\">\(escape($0))</p>" } ?? "")
            <form method="post" action="\(escape(paths.login))">
            <input type="hidden" name="csrf_token" value="\(escape(csrfToken))">
            <label for="username">Username</label>
            <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="\(escape(username))">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button>
            </form>
            """)
    }

    static func consent(_ paths: Paths, csrfToken: String, clientID: String, scopes: [String]) -> String {
        let items = scopes.isEmpty ? "<li>Know that you are signed in</li>" : scopes.map { "<li>\(escape(describe($0)))</li>" }.joined()
        return document(
            paths, title: "Allow access",
            """
            <h1>Allow access?</h1>
            <p class="client"><strong>\(escape(clientID))</strong> asks to:</p>
            <ul class="scopes">\(items)</ul>
            <form method="post" action="\(escape(paths.consent))">
            <input type="hidden" name="csrf_token" value="\(escape(csrfToken))">
            <button type="submit" name="decision" value="allow">Allow</button>
            <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
            </form>
            """)
    }

    static func logoutConfirmation(_ paths: Paths, csrfToken: String) -> String {
        document(
            paths, title: "Sign out",
            """
            <h1>Sign out?</h1>
            <form method="post" action="\(escape(paths.logout))">
            <input type="hidden" name="csrf_token" value="\(escape(csrfToken))">
            <button type="submit">Sign out</button>
            </form>
            """)
    }

    static func message(_ paths: Paths, title: String, _ text: String) -> String {
        document(paths, title: title, "<h1>\(escape(title))</h1>\n<p>\(escape(text))</p>")
    }

    /// What a scope lets the client do, in words; unknown scopes by name.
    private static func describe(_ scope: String) -> String {
        switch scope {
        case "openid": "Know who you are (your user id)"
        case "profile": "See your username"
        case "email": "See your e-mail address"
        case "offline_access": "Stay signed in when you are away"
        case "tessera:admin": "Administer users and clients of this service (tessera:admin)"
        case _ where scope.hasPrefix("tessera:"): "Use the restricted permission \(scope)"
        default: "Use the permission \(scope)"
        }
    }

    private static func document(_ paths: Paths, title: String, _ body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <link rel="stylesheet" href="\(escape(paths.stylesheet))">
        </head>
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    /// Text safe in HTML content and double-quoted attributes.
    /// By Unicode scalar, not by Character: `"` followed by a combining mark is one Character
    /// but still ends an attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A page with the headers every hosted page carries; `redirectURI` is where its form's
    /// answer may redirect.
    static func response(_ html: String, status: HTTPResponseStatus = .ok, redirectURI: String? = nil) -> HTTPResponse {
        var response = HTTPResponse(status: status, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(html.utf8))
        secure(&response)
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: contentSecurityPolicy(formTarget: redirectURI.flatMap(formTarget)))
        return response
    }

    /// A 303 to `location` (OAuth 2.1 §7.5.2: never 307, which would repeat a posted password).
    static func redirect(_ location: String) -> HTTPResponse {
        var response = HTTPResponse(status: .seeOther, headers: ["Location": location])
        secure(&response)
        return response
    }

    private static func secure(_ response: inout HTTPResponse) {
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: contentSecurityPolicy())
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        response.noStore()
    }

    /// The stylesheet: readable on a phone, nothing fetched from elsewhere.
    static let stylesheet: [UInt8] = Array(
        """
        *{box-sizing:border-box}
        body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
        main{max-width:24rem;margin:3rem auto;padding:1.5rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
        h1{font-size:1.5rem;margin:0 0 .5rem}
        label{display:block;margin-top:1rem;font-weight:600}
        input{display:block;width:100%;margin-top:.25rem;padding:.6rem;font:inherit;border:1px solid #9aa3b5;border-radius:.25rem}
        button{display:block;width:100%;margin-top:1.25rem;padding:.7rem;font:inherit;font-weight:600;color:#fff;background:#2457c5;border:0;border-radius:.25rem;cursor:pointer}
        button.secondary{color:#1d2330;background:#e3e6ec}
        .error{padding:.6rem;color:#8a1020;background:#fde8ea;border-radius:.25rem}
        .client{color:#4a5365}
        ul.scopes{padding-left:1.25rem}
        @media (max-width:30rem){main{margin:0;border-radius:0;box-shadow:none;min-height:100vh}}

        """.utf8)
}
