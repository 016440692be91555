/// The keys a service signs and verifies with: one active signing key and any number of older
/// verify-only keys, each bound to one algorithm.
///
/// Stored as a JWK Set (RFC 7517 §5) of `oct`, `EC`, `OKP` and `RSA` keys, each with `kid`,
/// `alg` and Tessera's `created` member, plus a set-level `active_kid` member naming the signing
/// key (RFC 7517 §5 lets a set carry members other parties ignore). A set with one key that can
/// sign signs with it. Asymmetric keys without their private part only verify.
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
        if let activeKid {
            guard let active = keys.first(where: { $0.kid == activeKid }) else { throw JWTError.invalidKeySet.with("active_kid names no key") }
            guard active.canSign else { throw JWTError.invalidKeySet.with("active_kid \(activeKid) is a public key: it cannot sign") }
        }
        self.keys = keys
        self.activeKid = activeKid
    }

    /// The key that signs new tokens: the active one, or the only one if it can sign.
    public var signingKey: JWTKey? {
        if let activeKid { return key(kid: activeKid) }
        return keys.count == 1 && keys[0].canSign ? keys[0] : nil
    }

    /// The key with this kid.
    public func key(kid: String) -> JWTKey? { keys.first { $0.kid == kid } }

    /// Adds a key, verify-only unless it is the first.
    public mutating func add(_ key: JWTKey) throws {
        guard self.key(kid: key.kid) == nil else { throw JWTError.invalidKeySet.with("kid \(key.kid) already exists") }
        keys.append(key)
        if keys.count == 1 && key.canSign { activeKid = key.kid }
    }

    /// Makes the newest key that can sign the signing key; older keys stay for verification.
    /// Returns its kid.
    @discardableResult
    public mutating func rotate() throws -> String {
        let signers = keys.enumerated().filter { $0.element.canSign }
        guard let newest = signers.max(by: { ($0.element.created, $0.offset) < ($1.element.created, $1.offset) })?.element
        else { throw JWTError.noSigningKey.with("the key ring has no key that can sign") }
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
