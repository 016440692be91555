import TesseraCrypto

extension JWTKeyRing {
    /// Reads a JWK Set. Every key must be `kty: "oct"` with a unique non-empty `kid`, an `alg` of
    /// HS256/HS384/HS512, a strict base64url `k` at least as long as the hash output, and `use`
    /// (if present) of `sig`.
    public init(jwks bytes: some Collection<UInt8>) throws {
        guard let set = JSONValue(parsing: bytes)?.objectValue, case let .array(entries)? = set["keys"] else {
            throw JWTError.invalidKeySet.with("not a JSON object with a \"keys\" array")
        }
        var keys: [JWTKey] = []
        for entry in entries {
            guard let jwk = entry.objectValue else { throw JWTError.invalidKeySet.with("a key is not an object") }
            keys.append(try Self.key(from: jwk))
        }
        var activeKid: String? = nil
        if let active = set["active_kid"] {
            guard let kid = active.stringValue else { throw JWTError.invalidKeySet.with("active_kid is not a string") }
            activeKid = kid
        }
        try self.init(keys: keys, activeKid: activeKid)
    }

    private static func key(from jwk: JSONObject) throws -> JWTKey {
        guard jwk["kty"]?.stringValue == "oct" else { throw JWTError.invalidKeySet.with("kty must be \"oct\"") }
        guard let kid = jwk["kid"]?.stringValue, !kid.isEmpty else { throw JWTError.invalidKeySet.with("a key has no kid") }
        guard let algName = jwk["alg"]?.stringValue, let algorithm = JWTAlgorithm(rawValue: algName) else {
            throw JWTError.invalidKeySet.with("kid \(kid): alg must be HS256, HS384 or HS512")
        }
        if let use = jwk["use"], use.stringValue != "sig" { throw JWTError.invalidKeySet.with("kid \(kid): use must be \"sig\"") }
        guard let encoded = jwk["k"]?.stringValue, var raw = Base64URL.decode(encoded) else {
            throw JWTError.invalidKeySet.with("kid \(kid): k is not strict base64url")
        }
        defer { ConstantTime.wipe(&raw) }
        var created = 0
        if let value = jwk["created"] {
            guard let seconds = value.numberValue?.intValue else { throw JWTError.invalidKeySet.with("kid \(kid): created is not an integer") }
            created = seconds
        }
        return try JWTKey(kid: kid, algorithm: algorithm, secret: SecretBytes(raw), created: created)
    }

    /// The ring as JWK Set JSON text, secrets included: write it only to a private file.
    public func jwksBytes() -> [UInt8] {
        var set = JSONObject()
        if let activeKid { set["active_kid"] = .string(activeKid) }
        set["keys"] = .array(
            keys.map { key in
                let k = key.secret.withUnsafeBytes { Base64URL.encode($0) }
                let jwk: JSONObject = [
                    "kty": .string("oct"), "use": .string("sig"), "kid": .string(key.kid),
                    "alg": .string(key.algorithm.rawValue), "created": .int(key.created), "k": .string(k),
                ]
                return .object(jwk)
            })
        var output: [UInt8] = []
        set.serialize(into: &output)
        output.append(0x0A)
        return output
    }

    /// The public JWK Set: always empty for symmetric keys, which must never be published.
    public var publicJWKS: JSONObject { ["keys": .array([])] }
}
