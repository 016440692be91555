/// Verifies signed compact JWTs (RFC 7515, 7519) against a key ring, following RFC 8725.
///
/// The order of checks is fixed: size cap → three segments → strict base64url → header JSON object
/// without duplicates → key chosen by `kid` (or the ring's only/active key) whose pinned algorithm
/// the header's `alg` must equal (`none` never) → no `crit` → signature check (an HMAC in constant time) → claims
/// JSON object → `exp`/`nbf`/`iat` are numbers and in range with leeway → `iss` → `aud` → `typ`.
/// The header is never re-serialised: the signature covers the exact text received. Header
/// members that point at keys (`jwk`, `jku`, `x5u`, `x5c`) are never followed: keys come only
/// from the ring.
public struct JWTVerifier: Sendable {
    /// The keys tokens may be signed with.
    public let keyRing: JWTKeyRing
    /// The policy checked after the signature.
    public var options: JWTValidationOptions

    /// A verifier over `keyRing` with `options`.
    public init(keyRing: JWTKeyRing, options: JWTValidationOptions = JWTValidationOptions()) {
        self.keyRing = keyRing
        self.options = options
    }

    /// The verified header and claims, or a `JWTError` naming the first check that failed.
    public func verify(_ token: String) throws -> VerifiedJWT {
        var token = token
        return try token.withUTF8 { try verify(UnsafeRawBufferPointer($0)) }
    }

    /// Verifies a token given as its UTF-8 bytes.
    public func verify(_ token: UnsafeRawBufferPointer) throws -> VerifiedJWT {
        let (segments, header, key) = try verifySignature(token)
        let claims = try segments.decodeClaims()
        try checkTimes(claims)
        try checkIssuer(claims)
        if options.checksAudience { try checkAudience(claims) }
        try checkType(header)
        if let lifetime = options.maximumAccessTokenLifetime { try checkAccessTokenProfile(claims, maximumLifetime: lifetime) }
        return VerifiedJWT(headerIndex: header, claims: JWTClaims(indexed: claims), kid: key.kid)
    }

    /// The JWS steps, up to and including the signature: the segments, the header and the key
    /// that signed them.
    func verifySignature(_ token: UnsafeRawBufferPointer) throws -> (CompactJWS, IndexedJSONObject, JWTKey) {
        let segments = try CompactJWS(token, maximumBytes: options.maximumTokenBytes)
        let header = try segments.decodeHeader()
        let key = try selectKey(for: header)
        guard !header.contains("crit") else { throw JWTError.unsupportedCritical }
        try segments.checkSignature(with: key)
        return (segments, header, key)
    }

    /// The key named by `kid`, or the ring's only/active key, whose algorithm `alg` must equal.
    private func selectKey(for header: IndexedJSONObject) throws -> JWTKey {
        guard case let .value(alg) = header.string("alg") else { throw JWTError.invalidHeader.with("alg missing or not a string") }
        if Self.isNone(alg) { throw JWTError.unsecured }
        let key: JWTKey
        switch header.string("kid") {
        case .absent:
            guard let fallback = keyRing.signingKey else { throw JWTError.unknownKey.with("no kid and no single active key") }
            key = fallback
        case let .value(kid):
            guard let named = keyRing.key(kid: kid) else { throw JWTError.unknownKey }
            key = named
        case .wrongType:
            throw JWTError.invalidHeader.with("kid is not a string")
        }
        guard alg == key.algorithm.rawValue else { throw JWTError.algorithmMismatch }
        return key
    }

    private func checkTimes(_ claims: IndexedJSONObject) throws {
        let now = options.clock.now
        let leeway = options.leeway.isFinite ? min(max(options.leeway, 0), JWTValidationOptions.maximumLeeway) : 0
        func time(_ name: StaticString) throws -> Double? {
            switch claims.number(name) {
            case .absent: return nil
            case let .value(seconds) where seconds.isFinite: return seconds
            default: throw JWTError.invalidTimeClaim.with("\(name)")
            }
        }
        let exp = try time("exp")
        let nbf = try time("nbf")
        let iat = try time("iat")
        if let exp {
            // RFC 7519 §4.1.4: the current time must be before exp.
            guard now < exp + leeway || options.acceptsExpired else { throw JWTError.expired }
        } else if options.requireExpiration {
            throw JWTError.missingExpiration
        }
        if let nbf, now + leeway < nbf { throw JWTError.notYetValid }
        if let iat, iat > now + leeway { throw JWTError.issuedInFuture }
    }

    /// RFC 9068 §2.2 (see `JWTValidationOptions.maximumAccessTokenLifetime`). Runs after the
    /// generic checks, which have already vetted the types of `exp`, `iat`, `iss` and `aud`.
    private func checkAccessTokenProfile(_ claims: IndexedJSONObject, maximumLifetime: Double) throws {
        for name: StaticString in ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"] where !claims.contains(name) {
            throw JWTError.missingClaim.with("\(name)")
        }
        for name: StaticString in ["sub", "client_id", "jti"] {
            guard case let .value(text) = claims.string(name), !text.isEmpty,
                !text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
            else { throw JWTError.invalidClaim.with("\(name) is not a non-empty string without control characters") }
        }
        guard case let .value(exp) = claims.number("exp"), case let .value(iat) = claims.number("iat") else { throw JWTError.invalidTimeClaim }
        let leeway = options.leeway.isFinite ? min(max(options.leeway, 0), JWTValidationOptions.maximumLeeway) : 0
        guard exp - iat <= maximumLifetime, exp <= options.clock.now + maximumLifetime + leeway else { throw JWTError.lifetimeTooLong }
    }

    private func checkIssuer(_ claims: IndexedJSONObject) throws {
        guard let issuer = options.issuer else { return }
        guard case .value(true) = claims.string("iss", equals: issuer) else { throw JWTError.invalidIssuer }
    }

    private func checkAudience(_ claims: IndexedJSONObject) throws {
        switch claims.stringOrArray("aud", matchesOneOf: options.audiences) {
        case .absent:
            if !options.audiences.isEmpty { throw JWTError.invalidAudience.with("aud missing") }
        case .value(true):
            return
        case .value(false):
            throw JWTError.invalidAudience
        case .wrongType:
            throw JWTError.invalidAudience.with("aud is not a string or array of strings")
        }
    }

    private func checkType(_ header: IndexedJSONObject) throws {
        guard let expected = options.expectedType else { return }
        guard case let .value(typ) = header.string("typ"), Self.sameMediaType(typ, expected) else { throw JWTError.invalidType }
    }

    /// `typ` compared as RFC 7515 §4.1.9 says: ASCII case-insensitively, `application/` optional.
    private static func sameMediaType(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { a in b.withUTF8 { b in equalsIgnoringASCIICase(withoutApplicationPrefix(a), withoutApplicationPrefix(b)) } }
    }

    private static func withoutApplicationPrefix(_ typ: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let prefix: StaticString = "application/"
        let prefixBytes = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        guard typ.count > prefixBytes.count, equalsIgnoringASCIICase(UnsafeBufferPointer(rebasing: typ[..<prefixBytes.count]), prefixBytes)
        else { return typ }
        return UnsafeBufferPointer(rebasing: typ[prefixBytes.count...])
    }

    /// Whether `alg` is `none` in any letter case.
    private static func isNone(_ alg: String) -> Bool {
        var alg = alg
        let none: StaticString = "none"
        return alg.withUTF8 { equalsIgnoringASCIICase($0, UnsafeBufferPointer(start: none.utf8Start, count: none.utf8CodeUnitCount)) }
    }

    /// ASCII case-insensitive equality, without allocating.
    private static func equalsIgnoringASCIICase(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count where a[index] != b[index] {
            let lower = a[index] | 0x20
            guard lower == b[index] | 0x20, lower >= UInt8(ascii: "a"), lower <= UInt8(ascii: "z") else { return false }
        }
        return true
    }
}
