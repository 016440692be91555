/// Signs claims into compact JWTs with the key ring's signing key (or a named key), writing
/// `{"alg","typ","kid"}` as the header.
public struct JWTSigner: Sendable {
    /// The keys to sign with.
    public let keyRing: JWTKeyRing
    /// The header `typ`; `at+jwt` for RFC 9068 access tokens.
    public var type: String

    /// A signer over `keyRing` writing `typ: type`.
    public init(keyRing: JWTKeyRing, type: String = "at+jwt") {
        self.keyRing = keyRing
        self.type = type
    }

    /// The compact JWT for `claims`, signed by the key named `kid` or else the signing key.
    public func sign(_ claims: JWTClaims, kid: String? = nil) throws -> String {
        let key: JWTKey
        if let kid {
            guard let named = keyRing.key(kid: kid) else { throw JWTError.unknownKey.with("kid \(kid)") }
            key = named
        } else {
            guard let active = keyRing.signingKey else { throw JWTError.noSigningKey }
            key = active
        }
        let header: JSONObject = ["alg": .string(key.algorithm.rawValue), "typ": .string(type), "kid": .string(key.kid)]
        var json: [UInt8] = []
        json.reserveCapacity(256)
        header.serialize(into: &json)
        var token: [UInt8] = []
        token.reserveCapacity(512)
        Base64URL.append(json, to: &token)
        token.append(UInt8(ascii: "."))
        json.removeAll(keepingCapacity: true)
        claims.object.serialize(into: &json)
        Base64URL.append(json, to: &token)
        let signature = try withUnsafeTemporaryAllocation(byteCount: key.hmac.macSize, alignment: 1) { mac in
            try token.withUnsafeBytes { try key.hmac.authenticate($0, into: mac) }
            return Array(mac)
        }
        token.append(UInt8(ascii: "."))
        Base64URL.append(signature, to: &token)
        return String(decoding: token, as: UTF8.self)
    }
}
