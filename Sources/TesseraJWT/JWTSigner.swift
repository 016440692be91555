import TesseraCrypto

/// Signs claims into compact JWTs with the key ring's signing key (or a named key), writing
/// `{"alg","typ","kid"}` as the header.
public struct JWTSigner: Sendable {
    /// The keys to sign with.
    public let keyRing: JWTKeyRing
    /// The header `typ`; `at+jwt` for RFC 9068 access tokens.
    public let type: String

    /// A signer over `keyRing` writing `typ: type`.
    public init(keyRing: JWTKeyRing, type: String = "at+jwt") {
        self.keyRing = keyRing
        self.type = type
        encodedHeaders = Dictionary(uniqueKeysWithValues: keyRing.keys.map { ($0.kid, Self.encodedHeader(for: $0, type: type)) })
    }

    /// The base64url header for each key, computed once: it never changes between tokens.
    private let encodedHeaders: [String: [UInt8]]

    private static func encodedHeader(for key: JWTKey, type: String) -> [UInt8] {
        let header: JSONObject = ["alg": .string(key.algorithm.rawValue), "typ": .string(type), "kid": .string(key.kid)]
        var json: [UInt8] = []
        header.serialize(into: &json)
        var encoded: [UInt8] = []
        Base64URL.append(json, to: &encoded)
        return encoded
    }

    /// The compact JWT for `claims`, signed by the active key (`kid`, when given, must name it).
    public func sign(_ claims: JWTClaims, kid: String? = nil) throws -> String {
        let key: JWTKey
        if let kid {
            guard let named = keyRing.key(kid: kid) else { throw JWTError.unknownKey.with("kid \(kid)") }
            // Next keys wait out the publish-ahead time, previous keys are done: only the
            // active key signs.
            guard keyRing.state(of: kid) == .active else { throw JWTError.noSigningKey.with("kid \(kid) is not the active key") }
            key = named
        } else {
            guard let active = keyRing.signingKey else { throw JWTError.noSigningKey }
            key = active
        }
        var token = encodedHeaders[key.kid] ?? Self.encodedHeader(for: key, type: type)
        token.reserveCapacity(512)
        token.append(UInt8(ascii: "."))
        var json: [UInt8] = []
        json.reserveCapacity(256)
        claims.object.serialize(into: &json)
        Base64URL.append(json, to: &token)
        switch key.material {
        case let .secret(_, hmac):
            // The hot path: the MAC goes through a stack buffer, no allocation.
            try withUnsafeTemporaryAllocation(byteCount: hmac.macSize, alignment: 16) { mac in
                try token.withUnsafeBytes { try hmac.authenticate($0, into: mac) }
                token.append(UInt8(ascii: "."))
                Base64URL.append(UnsafeRawBufferPointer(mac), to: &token)
            }
        case let .asymmetric(asymmetric, _):
            let signature = try token.withUnsafeBytes { try asymmetric.sign($0, scheme: key.algorithm.signatureScheme!) }
            token.append(UInt8(ascii: "."))
            Base64URL.append(signature, to: &token)
        }
        return String(decoding: token, as: UTF8.self)
    }
}
