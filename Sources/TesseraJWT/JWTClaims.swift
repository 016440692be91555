/// A JWT claims set (RFC 7519 §4) with typed access to the registered claims and the RFC 9068
/// access-token claims.
public struct JWTClaims: Sendable, Hashable {
    /// Every claim, in the order the token carried them.
    public var object: JSONObject

    /// Wraps a claims object.
    public init(_ object: JSONObject = JSONObject()) { self.object = object }

    /// The raw value of any claim.
    public subscript(name: String) -> JSONValue? {
        get { object[name] }
        set { object[name] = newValue }
    }

    /// `iss`.
    public var issuer: String? { object["iss"]?.stringValue }
    /// `sub`.
    public var subject: String? { object["sub"]?.stringValue }
    /// `jti`.
    public var jwtID: String? { object["jti"]?.stringValue }
    /// `client_id` (RFC 9068 §2.2).
    public var clientID: String? { object["client_id"]?.stringValue }
    /// `scope`, a space-separated list (RFC 9068 §2.2.3).
    public var scope: String? { object["scope"]?.stringValue }
    /// `sid`, the session the token belongs to.
    public var sessionID: String? { object["sid"]?.stringValue }
    /// `exp` in seconds since 1970.
    public var expiration: Double? { object["exp"]?.numberValue?.doubleValue }
    /// `nbf` in seconds since 1970.
    public var notBefore: Double? { object["nbf"]?.numberValue?.doubleValue }
    /// `iat` in seconds since 1970.
    public var issuedAt: Double? { object["iat"]?.numberValue?.doubleValue }

    /// `aud` as a list, whether the token carried one string or an array (RFC 7519 §4.1.3); nil
    /// when absent or not strings.
    public var audience: [String]? {
        switch object["aud"] {
        case let .string(single)?: return [single]
        case let .array(values)?:
            var names: [String] = []
            for value in values {
                guard let name = value.stringValue else { return nil }
                names.append(name)
            }
            return names
        default: return nil
        }
    }
}
