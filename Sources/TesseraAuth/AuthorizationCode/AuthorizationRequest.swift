import Foundation
import TesseraJWT

/// A validated authorization request (RFC 6749 §4.1.1 as profiled by OAuth 2.1, with PKCE and
/// the OpenID Connect parameters), kept while the user logs in and consents.
public struct AuthorizationRequest: Sendable, Hashable {
    /// What the user is asked for again, whatever their session (OpenID Connect Core §3.1.2.1).
    public enum Prompt: String, Sendable, Hashable, CaseIterable {
        case none
        case login
        case consent
        case selectAccount = "select_account"
    }

    public var clientID: String
    public var redirectURI: String
    /// The scopes asked for; nil when `scope` was absent (then the client's registered ones).
    public var scopes: [String]?
    /// Returned unchanged with the answer.
    public var state: String?
    /// Returned in the ID token.
    public var nonce: String?
    /// The PKCE `S256` challenge.
    public var codeChallenge: String
    public var prompt: Set<Prompt>
    /// The longest time since the user last authenticated that still counts, in seconds.
    public var maxAge: Int64?

    /// Where every answer after validation goes: the redirect URI with `state`.
    public var target: RedirectTarget { RedirectTarget(uri: redirectURI, state: state) }

    /// The longest `state`, `nonce` and `scope`, in bytes.
    public static let maximumValueBytes = 1024

    /// Parses everything but the client and redirect URI (`AuthorizationCodeFlow.client`
    /// checked those). Every problem is an `AuthorizationError` that redirects.
    static func parse(_ parameters: [String: [String]], client: OAuthClient, redirectURI: String) throws -> AuthorizationRequest {
        let state = parameters["state"]?.first
        let target = RedirectTarget(uri: redirectURI, state: state)
        func refuse(_ code: AuthorizationError.Code, _ description: String) -> AuthorizationError {
            AuthorizationError(code, description, target: target)
        }
        // RFC 6749 §3.1: no parameter more than once.
        if let repeated = parameters.first(where: { $0.value.count > 1 }) {
            throw refuse(.invalidRequest, "\(repeated.key) appears more than once")
        }
        let value = { (name: String) in parameters[name]?.first }
        if value("request") != nil { throw refuse(.requestNotSupported, "request objects are not supported") }
        if value("request_uri") != nil { throw refuse(.requestURINotSupported, "request_uri is not supported") }
        guard let responseType = value("response_type") else { throw refuse(.invalidRequest, "response_type is required") }
        guard responseType == "code" else { throw refuse(.unsupportedResponseType, "only response_type=code is supported") }
        if let mode = value("response_mode"), mode != "query" { throw refuse(.invalidRequest, "only response_mode=query is supported") }
        guard client.grants.contains(.authorizationCode) else {
            throw refuse(.unauthorizedClient, "the client is not registered for the authorization code grant")
        }
        guard let challenge = value("code_challenge") else { throw refuse(.invalidRequest, "code_challenge is required (PKCE, RFC 7636)") }
        guard value("code_challenge_method") == "S256" else { throw refuse(.invalidRequest, "code_challenge_method must be S256") }
        // The S256 challenge is the base64url SHA-256 of the verifier: 43 characters.
        guard challenge.utf8.count == 43, Base64URL.decode(challenge)?.count == 32 else {
            throw refuse(.invalidRequest, "code_challenge must be a base64url SHA-256 (43 characters)")
        }
        if let scope = value("scope"), scope.utf8.count > maximumValueBytes {
            throw refuse(.invalidScope, "scope is longer than \(maximumValueBytes) bytes")
        }
        let scopes: [String]?
        do {
            scopes = try value("scope").map(Scope.parse)
        } catch {
            throw refuse(.invalidScope, "scope must be space-separated RFC 6749 §3.3 tokens")
        }
        let prompt = try Set(
            (value("prompt") ?? "").split(separator: " ").map { name in
                guard let prompt = Prompt(rawValue: String(name)) else { throw refuse(.invalidRequest, "unknown prompt value") }
                return prompt
            })
        guard !prompt.contains(.none) || prompt.count == 1 else { throw refuse(.invalidRequest, "prompt=none cannot be combined") }
        let maxAge = try value("max_age").map { text in
            guard let seconds = Int64(text), seconds >= 0, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw refuse(.invalidRequest, "max_age must be a non-negative number of seconds")
            }
            return seconds
        }
        let nonce = value("nonce")
        // RFC 6749 Appendix A.5: state is %x20-7E; nonce is held to the same.
        for (name, text) in [("state", state), ("nonce", nonce)] {
            if let text, text.isEmpty || text.utf8.count > maximumValueBytes || !text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) {
                throw refuse(.invalidRequest, "\(name) must be 1-\(maximumValueBytes) visible ASCII characters")
            }
        }
        return AuthorizationRequest(
            clientID: client.id, redirectURI: redirectURI, scopes: scopes, state: state, nonce: nonce, codeChallenge: challenge,
            prompt: prompt, maxAge: maxAge)
    }

    /// The form kept with a pending request.
    var serialized: String {
        var object: JSONObject = [
            "client_id": .string(clientID), "redirect_uri": .string(redirectURI), "code_challenge": .string(codeChallenge),
            "prompt": .array(prompt.map(\.rawValue).sorted().map(JSONValue.string)),
        ]
        if let scopes { object["scope"] = .array(scopes.map(JSONValue.string)) }
        if let state { object["state"] = .string(state) }
        if let nonce { object["nonce"] = .string(nonce) }
        if let maxAge { object["max_age"] = .int(Int(maxAge)) }
        return object.serialized
    }

    /// A request read back from `serialized`; nil if it was not written by it.
    init?(serialized text: String) {
        guard let object = JSONValue(parsing: Array(text.utf8))?.objectValue, let clientID = object["client_id"]?.stringValue,
            let redirectURI = object["redirect_uri"]?.stringValue, let challenge = object["code_challenge"]?.stringValue,
            case let .array(prompts)? = object["prompt"]
        else { return nil }
        var scopes: [String]?
        if case let .array(items)? = object["scope"] { scopes = items.compactMap(\.stringValue) }
        self.init(
            clientID: clientID, redirectURI: redirectURI, scopes: scopes, state: object["state"]?.stringValue, nonce: object["nonce"]?.stringValue,
            codeChallenge: challenge, prompt: Set(prompts.compactMap { $0.stringValue.flatMap(Prompt.init) }),
            maxAge: object["max_age"]?.numberValue.flatMap { Int64(exactly: $0.doubleValue) })
    }

    init(
        clientID: String, redirectURI: String, scopes: [String]?, state: String?, nonce: String?, codeChallenge: String, prompt: Set<Prompt>,
        maxAge: Int64?
    ) {
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.scopes = scopes
        self.state = state
        self.nonce = nonce
        self.codeChallenge = codeChallenge
        self.prompt = prompt
        self.maxAge = maxAge
    }
}

/// Where an authorization answer is sent: a registered redirect URI, with the request's `state`.
public struct RedirectTarget: Sendable, Hashable {
    public var uri: String
    public var state: String?

    /// The URI with `parameters`, then `state` and `iss` (RFC 9207), added to its query.
    public func url(_ parameters: [(String, String)], issuer: String) -> String {
        var items = parameters
        if let state { items.append(("state", state)) }
        items.append(("iss", issuer))
        let query = items.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return uri + (uri.contains("?") ? "&" : "?") + query
    }

    /// Percent-encodes everything but the RFC 3986 unreserved characters.
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

/// An authorization request refused after its redirect URI was checked: the answer is a
/// redirect with `error` (RFC 6749 §4.1.2.1, OpenID Connect Core §3.1.2.6).
public struct AuthorizationError: Error, Sendable, Hashable {
    public enum Code: String, Sendable {
        case invalidRequest = "invalid_request"
        case unauthorizedClient = "unauthorized_client"
        case accessDenied = "access_denied"
        case unsupportedResponseType = "unsupported_response_type"
        case invalidScope = "invalid_scope"
        case serverError = "server_error"
        case temporarilyUnavailable = "temporarily_unavailable"
        case loginRequired = "login_required"
        case consentRequired = "consent_required"
        case requestNotSupported = "request_not_supported"
        case requestURINotSupported = "request_uri_not_supported"
    }

    public let code: Code
    /// Human-readable, for the client's developer (`error_description`); never a secret.
    public let description: String
    public let target: RedirectTarget

    init(_ code: Code, _ description: String, target: RedirectTarget) {
        self.code = code
        self.description = description
        self.target = target
    }

    /// The redirect URL that carries the error.
    public func url(issuer: String) -> String {
        target.url([("error", code.rawValue), ("error_description", description)], issuer: issuer)
    }
}

/// An authorization request that cannot be answered at its redirect URI (unknown client,
/// unregistered or missing redirect URI): the user sees an error page and is never redirected
/// (RFC 6749 §4.1.2.1, RFC 9700 §4.1).
public struct AuthorizationPageError: Error, Sendable, Hashable {
    /// For the user's page.
    public let description: String
}
