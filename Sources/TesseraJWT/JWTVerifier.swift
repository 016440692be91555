/// Verifies HMAC-signed compact JWTs (RFC 7515, 7519) against a key ring, following RFC 8725.
///
/// The order of checks is fixed: size cap → three segments → strict base64url → header JSON object
/// without duplicates → key chosen by `kid` (or the ring's only/active key) whose pinned algorithm
/// the header's `alg` must equal (`none` never) → no `crit` → constant-time MAC check → claims
/// JSON object → `exp`/`nbf`/`iat` are numbers and in range with leeway → `iss` → `aud` → `typ`.
/// The header is never re-serialised: the MAC covers the exact text received.
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
        let segments = try CompactJWS(token, maximumBytes: options.maximumTokenBytes)
        let header = try segments.decodeHeader()
        let key = try selectKey(for: header)
        guard header["crit"] == nil else { throw JWTError.unsupportedCritical }
        try segments.checkSignature(with: key)
        let claims = try segments.decodeClaims()
        try checkTimes(claims)
        try checkIssuer(claims)
        try checkAudience(claims)
        try checkType(header)
        return VerifiedJWT(header: header, claims: claims, kid: key.kid)
    }

    /// The key named by `kid`, or the ring's only/active key, whose algorithm `alg` must equal.
    private func selectKey(for header: JSONObject) throws -> JWTKey {
        guard let alg = header["alg"]?.stringValue else { throw JWTError.invalidHeader.with("alg missing or not a string") }
        if Self.equalsIgnoringASCIICase(alg.utf8[...], "none".utf8[...]) { throw JWTError.unsecured }
        let key: JWTKey
        switch header["kid"] {
        case nil:
            guard let fallback = keyRing.signingKey else { throw JWTError.unknownKey.with("no kid and no single active key") }
            key = fallback
        case let .string(kid)?:
            guard let named = keyRing.key(kid: kid) else { throw JWTError.unknownKey }
            key = named
        default:
            throw JWTError.invalidHeader.with("kid is not a string")
        }
        guard alg == key.algorithm.rawValue else { throw JWTError.algorithmMismatch }
        return key
    }

    private func checkTimes(_ claims: JWTClaims) throws {
        let now = options.clock.now
        let leeway = options.leeway
        func time(_ name: String) throws -> Double? {
            guard let value = claims[name] else { return nil }
            guard let number = value.numberValue?.doubleValue, number.isFinite else { throw JWTError.invalidTimeClaim.with(name) }
            return number
        }
        let exp = try time("exp"), nbf = try time("nbf"), iat = try time("iat")
        if let exp {
            // RFC 7519 §4.1.4: the current time must be before exp.
            guard now < exp + leeway else { throw JWTError.expired }
        } else if options.requireExpiration {
            throw JWTError.missingExpiration
        }
        if let nbf, now + leeway < nbf { throw JWTError.notYetValid }
        if let iat, iat > now + leeway { throw JWTError.issuedInFuture }
    }

    private func checkIssuer(_ claims: JWTClaims) throws {
        guard let issuer = options.issuer else { return }
        guard claims.issuer == issuer else { throw JWTError.invalidIssuer }
    }

    private func checkAudience(_ claims: JWTClaims) throws {
        switch claims["aud"] {
        case nil:
            if !options.audiences.isEmpty { throw JWTError.invalidAudience.with("aud missing") }
        case let .string(audience)?:
            guard options.audiences.contains(audience) else { throw JWTError.invalidAudience }
        case let .array(values)?:
            var accepted = false
            for value in values {
                guard let audience = value.stringValue else { throw JWTError.invalidAudience.with("aud array holds a non-string") }
                accepted = accepted || options.audiences.contains(audience)
            }
            guard accepted else { throw JWTError.invalidAudience }
        default:
            throw JWTError.invalidAudience.with("aud is not a string or array of strings")
        }
    }

    private func checkType(_ header: JSONObject) throws {
        guard let expected = options.expectedType else { return }
        guard let typ = header["typ"]?.stringValue,
            Self.equalsIgnoringASCIICase(Self.mediaSubtype(typ), Self.mediaSubtype(expected))
        else { throw JWTError.invalidType }
    }

    /// `typ` without an `application/` prefix, which RFC 7515 §4.1.9 makes optional.
    private static func mediaSubtype(_ typ: String) -> Substring.UTF8View {
        let prefix = "application/".utf8
        let utf8 = typ.utf8[...]
        guard utf8.count > prefix.count, equalsIgnoringASCIICase(utf8.prefix(prefix.count), prefix[...]) else { return utf8 }
        return utf8.dropFirst(prefix.count)
    }

    /// ASCII case-insensitive equality, without allocating (RFC 7515 §4.1.9: `typ` is compared
    /// case-insensitively; so is the `none` we refuse).
    private static func equalsIgnoringASCIICase(_ a: Substring.UTF8View, _ b: Substring.UTF8View) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lower = x | 0x20
            guard lower == y | 0x20, lower >= UInt8(ascii: "a"), lower <= UInt8(ascii: "z") else { return false }
        }
        return true
    }
}
