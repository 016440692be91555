/// The keys a service signs and verifies with: one active signing key and any number of older
/// verify-only keys, each bound to one algorithm.
///
/// Stored as a JWK Set (RFC 7517 §5) of `kty: "oct"` keys, each with `kid`, `alg`, `k` and
/// Tessera's `created` member, plus a set-level `active_kid` member naming the signing key
/// (RFC 7517 §5 lets a set carry members other parties ignore). A set with one key signs with it.
public struct JWTKeyRing: Sendable {
    /// Every key, oldest first.
    public private(set) var keys: [JWTKey]
    /// The kid of the signing key, when one is chosen.
    public private(set) var activeKid: String?

    /// A ring from keys; `activeKid` must name one of them when given.
    public init(keys: [JWTKey], activeKid: String? = nil) throws {
        var seen = Set<String>()
        for key in keys where !seen.insert(key.kid).inserted {
            throw JWTError.invalidKeySet.with("duplicate kid \(key.kid)")
        }
        if let activeKid, !seen.contains(activeKid) {
            throw JWTError.invalidKeySet.with("active_kid names no key")
        }
        self.keys = keys
        self.activeKid = activeKid
    }

    /// The key that signs new tokens: the active one, or the only one.
    public var signingKey: JWTKey? {
        if let activeKid { return key(kid: activeKid) }
        return keys.count == 1 ? keys[0] : nil
    }

    /// The key with this kid.
    public func key(kid: String) -> JWTKey? { keys.first { $0.kid == kid } }

    /// Adds a key, verify-only unless it is the first.
    public mutating func add(_ key: JWTKey) throws {
        guard self.key(kid: key.kid) == nil else { throw JWTError.invalidKeySet.with("kid \(key.kid) already exists") }
        keys.append(key)
        if keys.count == 1 { activeKid = key.kid }
    }

    /// Makes the newest key the signing key; older keys stay for verification. Returns its kid.
    @discardableResult
    public mutating func rotate() throws -> String {
        guard let newest = keys.enumerated().max(by: { ($0.element.created, $0.offset) < ($1.element.created, $1.offset) })?.element
        else { throw JWTError.noSigningKey.with("the key ring is empty") }
        activeKid = newest.kid
        return newest.kid
    }

    /// Removes a verify-only key; tokens it signed stop verifying. The signing key cannot be retired.
    public mutating func retire(kid: String) throws {
        guard key(kid: kid) != nil else { throw JWTError.unknownKey.with("kid \(kid)") }
        guard signingKey?.kid != kid else { throw JWTError.invalidKeySet.with("kid \(kid) is the signing key; rotate first") }
        keys.removeAll { $0.kid == kid }
    }
}
