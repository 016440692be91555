/// A JWT claims set (RFC 7519 §4) with typed access to the registered claims and the RFC 9068
/// access-token claims.
public struct JWTClaims: Sendable, Hashable {
    private enum Storage: Sendable {
        case decoded(JSONObject)
        /// Claims of a verified token, decoded claim by claim when read.
        case indexed(IndexedJSONObject)
    }

    private var storage: Storage

    /// Wraps a claims object.
    public init(_ object: JSONObject = JSONObject()) { storage = .decoded(object) }

    init(indexed: IndexedJSONObject) { storage = .indexed(indexed) }

    /// Every claim, in the order the token carried them.
    public var object: JSONObject {
        get {
            switch storage {
            case let .decoded(object): object
            case let .indexed(index): index.decoded()
            }
        }
        set { storage = .decoded(newValue) }
    }

    /// The claims as compact JSON. For a verified token these are the payload's bytes exactly as
    /// signed (already validated), with no decoding or re-encoding.
    public var jsonBytes: [UInt8] {
        switch storage {
        case let .decoded(object):
            var bytes: [UInt8] = []
            object.serialize(into: &bytes)
            return bytes
        case let .indexed(index):
            return index.source
        }
    }

    /// The value of any claim.
    public subscript(name: String) -> JSONValue? {
        get {
            switch storage {
            case let .decoded(object): object[name]
            case let .indexed(index): index[name]
            }
        }
        set {
            var object = self.object
            object[name] = newValue
            storage = .decoded(object)
        }
    }

    public static func == (lhs: JWTClaims, rhs: JWTClaims) -> Bool { lhs.object == rhs.object }
    public func hash(into hasher: inout Hasher) { hasher.combine(object) }

    /// `iss`.
    public var issuer: String? { self["iss"]?.stringValue }
    /// `sub`.
    public var subject: String? { self["sub"]?.stringValue }
    /// `jti`.
    public var jwtID: String? { self["jti"]?.stringValue }
    /// `client_id` (RFC 9068 §2.2).
    public var clientID: String? { self["client_id"]?.stringValue }
    /// `scope`, a space-separated list (RFC 9068 §2.2.3).
    public var scope: String? { self["scope"]?.stringValue }
    /// `sid`, the session the token belongs to.
    public var sessionID: String? { self["sid"]?.stringValue }
    /// `exp` in seconds since 1970.
    public var expiration: Double? { self["exp"]?.numberValue?.doubleValue }
    /// `nbf` in seconds since 1970.
    public var notBefore: Double? { self["nbf"]?.numberValue?.doubleValue }
    /// `iat` in seconds since 1970.
    public var issuedAt: Double? { self["iat"]?.numberValue?.doubleValue }

    /// `aud` as a list, whether the token carried one string or an array (RFC 7519 §4.1.3); nil
    /// when absent or not strings.
    public var audience: [String]? {
        switch self["aud"] {
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
