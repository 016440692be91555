/// The lifecycle state of a key in a ring (see Documentation/keys.md).
public enum KeyState: String, Sendable, CaseIterable {
    /// Published and verifying, not yet signing: waiting out the publish-ahead time.
    case next
    /// The one key that signs.
    case active
    /// Verifying the tokens it signed until it is retired.
    case previous
}

/// The keys a service signs and verifies with: one active signing key, `next` keys published
/// ahead of their turn, and `previous` keys that still verify, each bound to one algorithm.
///
/// Stored as a JWK Set (RFC 7517 §5) of `oct`, `EC`, `OKP` and `RSA` keys, each with `kid`,
/// `alg` and Tessera's `created` and `state` members (RFC 7517 §5 lets a set carry members
/// other parties ignore). A file from before states names its signing key with a set-level
/// `active_kid`; a set with one key that can sign signs with it. Asymmetric keys without their
/// private part only verify.
public struct JWTKeyRing: Sendable {
    /// Every key, oldest first.
    public private(set) var keys: [JWTKey]
    /// The kid of the signing key, when one is chosen.
    public private(set) var activeKid: String?
    /// The kids of the keys waiting to sign.
    public private(set) var nextKids: Set<String>

    /// A ring from keys; `activeKid` must name one of them that can sign, and `next` only kids
    /// of other keys.
    public init(keys: [JWTKey], activeKid: String? = nil, next: Set<String> = []) throws {
        var seen = Set<String>()
        for key in keys where !seen.insert(key.kid).inserted {
            throw JWTError.invalidKeySet.with("duplicate kid \(key.kid)")
        }
        if let activeKid {
            guard let active = keys.first(where: { $0.kid == activeKid }) else { throw JWTError.invalidKeySet.with("active_kid names no key") }
            guard active.canSign else { throw JWTError.invalidKeySet.with("active_kid \(activeKid) is a public key: it cannot sign") }
        }
        guard next.isSubset(of: seen), activeKid.map({ !next.contains($0) }) ?? true else {
            throw JWTError.invalidKeySet.with("a next key must be in the ring and not active")
        }
        self.keys = keys
        // A ring of one key that can sign signs with it.
        self.activeKid = activeKid ?? (keys.count == 1 && keys[0].canSign && next.isEmpty ? keys[0].kid : nil)
        nextKids = next
    }

    /// The key that signs new tokens: the active one.
    public var signingKey: JWTKey? { activeKid.flatMap(key(kid:)) }

    /// The key with this kid.
    public func key(kid: String) -> JWTKey? { keys.first { $0.kid == kid } }

    /// The state of the key with this kid.
    public func state(of kid: String) -> KeyState {
        if kid == signingKey?.kid { return .active }
        return nextKids.contains(kid) ? .next : .previous
    }

    /// Adds a key: the first key that can sign becomes active when none is; a later one is
    /// `next`; a key that cannot sign (a public key) only verifies (`previous`).
    public mutating func add(_ key: JWTKey) throws {
        guard self.key(kid: key.kid) == nil else { throw JWTError.invalidKeySet.with("kid \(key.kid) already exists") }
        if key.canSign {
            if keys.contains(where: \.canSign) { nextKids.insert(key.kid) } else { activeKid = key.kid }
        }
        keys.append(key)
    }

    /// Promotes the newest `next` key that can sign to `active`; the active key becomes
    /// `previous`. An asymmetric key must have been published (since `created`) for at least
    /// `publishAhead` seconds at `now`, so that no JWKS cache meets its kid unknown, unless
    /// `force`. Returns the promoted kid and, when forced early, the seconds it was short.
    @discardableResult
    public mutating func rotate(now: Int, publishAhead: Int, force: Bool = false) throws -> (kid: String, early: Int?) {
        let candidates = keys.enumerated().filter { nextKids.contains($0.element.kid) && $0.element.canSign }
        guard let next = candidates.max(by: { ($0.element.created, $0.offset) < ($1.element.created, $1.offset) })?.element else {
            throw JWTError.noSigningKey.with("no next key to promote: generate or import one first")
        }
        // A key without its creation time has an unknown publication time: treated as new.
        let published = next.created > 0 ? now - next.created : 0
        var early: Int? = nil
        if !next.algorithm.isSymmetric, published < publishAhead {
            guard force else {
                throw JWTError.invalidKeySet.with(
                    "kid \(next.kid) has been published for \(max(published, 0)) s of keys.publish_ahead_seconds (\(publishAhead) s): rotate in \(publishAhead - published) s, or --force"
                )
            }
            early = publishAhead - published
        }
        nextKids.remove(next.kid)
        activeKid = next.kid
        return (next.kid, early)
    }

    /// Removes a `next` or `previous` key; tokens it signed stop verifying. The signing key
    /// cannot be retired.
    public mutating func retire(kid: String) throws {
        guard key(kid: kid) != nil else { throw JWTError.unknownKey.with("kid \(kid)") }
        guard signingKey?.kid != kid else { throw JWTError.invalidKeySet.with("kid \(kid) is the signing key; rotate first") }
        keys.removeAll { $0.kid == kid }
        nextKids.remove(kid)
    }
}
