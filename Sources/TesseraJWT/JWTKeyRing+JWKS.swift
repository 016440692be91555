import TesseraCrypto

extension JWTKeyRing {
    /// Reads a JWK Set. Every key needs a unique non-empty `kid`, an `alg` Tessera supports that
    /// fits its `kty` (and `crv`), `use` (if present) of `sig`, and its members in strict
    /// base64url: `k` for `oct` (at least the hash output long), `crv x y` for `EC`, `crv x` for
    /// `OKP` (Ed25519), `n e` for `RSA` (at least 2048 bits); a private key adds `d` (RSA also
    /// `p q dp dq qi`), which must match the public part.
    public init(jwks bytes: some Collection<UInt8>) throws {
        guard let set = JSONValue(parsing: bytes)?.objectValue, case let .array(entries)? = set["keys"] else {
            throw JWTError.invalidKeySet.with("not a JSON object with a \"keys\" array")
        }
        var keys: [JWTKey] = []
        var states: [String: KeyState] = [:]
        for entry in entries {
            guard let jwk = entry.objectValue else { throw JWTError.invalidKeySet.with("a key is not an object") }
            let key = try JWTKey(jwk: jwk)
            keys.append(key)
            if let value = jwk["state"] {
                guard let state = value.stringValue.flatMap(KeyState.init) else {
                    throw JWTError.invalidKeySet.with("kid \(key.kid): state must be next, active or previous")
                }
                states[key.kid] = state
            }
        }
        var activeKid: String? = nil
        if let active = set["active_kid"] {
            guard let kid = active.stringValue else { throw JWTError.invalidKeySet.with("active_kid is not a string") }
            activeKid = kid
        }
        if !states.isEmpty {
            let active = states.filter { $0.value == .active }.map(\.key)
            guard active.count <= 1, activeKid == nil || active == [activeKid!] else {
                throw JWTError.invalidKeySet.with("one key at most is active, and active_kid (if any) names it")
            }
            activeKid = active.first
        }
        try self.init(keys: keys, activeKid: activeKid, next: Set(states.filter { $0.value == .next }.keys))
    }

    /// The ring as JWK Set JSON text, secrets and private keys included: write it only to a
    /// private file.
    public func jwksBytes() throws -> [UInt8] {
        var set = JSONObject()
        set["keys"] = .array(
            try keys.map { key in
                var jwk = try key.privateJWK()
                jwk["state"] = .string(state(of: key.kid).rawValue)
                return .object(jwk)
            })
        var output: [UInt8] = []
        set.serialize(into: &output)
        output.append(0x0A)
        return output
    }

    /// The public JWK Set (RFC 7517 §5): the public part of every asymmetric key this ring
    /// signs with, in any state; never `d`, never an HMAC secret, and never an imported public
    /// key (another party's key published here would let its holder mint tokens that resource
    /// servers trusting this issuer accept).
    public var publicJWKS: JSONObject {
        ["keys": .array(keys.filter(\.canSign).compactMap { $0.publicJWK.map(JSONValue.object) })]
    }
}

extension JWTKey {
    /// A key from one JWK of a key set.
    public init(jwk: JSONObject) throws {
        guard let kid = jwk["kid"]?.stringValue, !kid.isEmpty else { throw JWTError.invalidKeySet.with("a key has no kid") }
        guard let algName = jwk["alg"]?.stringValue, let algorithm = JWTAlgorithm(rawValue: algName) else {
            throw JWTError.invalidKeySet.with("kid \(kid): alg must be one of \(JWTAlgorithm.names)")
        }
        if let use = jwk["use"], use.stringValue != "sig" { throw JWTError.invalidKeySet.with("kid \(kid): use must be \"sig\"") }
        var created = 0
        if let value = jwk["created"] {
            guard let seconds = value.numberValue?.intValue else { throw JWTError.invalidKeySet.with("kid \(kid): created is not an integer") }
            created = seconds
        }
        func member(_ name: String) throws -> [UInt8] {
            guard let encoded = jwk[name]?.stringValue, let bytes = Base64URL.decode(encoded) else {
                throw JWTError.invalidKeySet.with("kid \(kid): \(name) is missing or not strict base64url")
            }
            return bytes
        }
        func secret(_ name: String) throws -> SecretBytes? {
            guard jwk[name] != nil else { return nil }
            var bytes = try member(name)
            defer { ConstantTime.wipe(&bytes) }
            return SecretBytes(bytes)
        }
        let kty = jwk["kty"]?.stringValue ?? ""
        let crv = jwk["crv"]?.stringValue
        let key: AsymmetricKey
        do {
            switch (kty, algorithm) {
            case ("oct", .hs256), ("oct", .hs384), ("oct", .hs512):
                guard let k = try secret("k") else { throw JWTError.invalidKeySet.with("kid \(kid): k is missing") }
                try self.init(kid: kid, algorithm: algorithm, secret: k, created: created)
                return
            case ("EC", .es256) where crv == "P-256", ("EC", .es384) where crv == "P-384":
                key = try AsymmetricKey(curve: algorithm == .es256 ? .p256 : .p384, x: try member("x"), y: try member("y"), d: try secret("d"))
            case ("OKP", .edDSA) where crv == "Ed25519":
                key = try AsymmetricKey(ed25519PublicKey: try member("x"), privateKey: try secret("d"))
            case ("RSA", .rs256), ("RSA", .ps256):
                var parts: [String: SecretBytes]? = nil
                if jwk["d"] != nil {
                    parts = [:]
                    for name in ["d", "p", "q", "dp", "dq", "qi"] { parts?[name] = try secret(name) }
                }
                key = try AsymmetricKey(rsaModulus: try member("n"), exponent: try member("e"), privateParts: parts)
            default:
                throw JWTError.invalidKeySet.with("kid \(kid): kty \(kty)\(crv.map { " crv \($0)" } ?? "") cannot carry alg \(algorithm.rawValue)")
            }
        } catch let error as CryptoError {
            throw JWTError.invalidKeySet.with("kid \(kid): \(error)")
        }
        try self.init(kid: kid, algorithm: algorithm, key: key, created: created)
    }

    /// The public JWK of an asymmetric key (`kty kid alg use` and its public members); nil for
    /// an HMAC secret, which is never published.
    public var publicJWK: JSONObject? {
        guard case let .asymmetric(key, members) = material else { return nil }
        var jwk: JSONObject = ["kty": .string(key.jwkType), "kid": .string(kid), "alg": .string(algorithm.rawValue), "use": .string("sig")]
        if let curve = key.jwkCurve { jwk["crv"] = .string(curve) }
        for (name, bytes) in members.sorted(by: { $0.key < $1.key }) { jwk[name] = .string(Base64URL.encode(bytes)) }
        return jwk
    }

    /// The key as the key file keeps it: the public JWK with `created` and the secret `k` or
    /// the private members.
    func privateJWK() throws -> JSONObject {
        var jwk: JSONObject
        switch material {
        case let .secret(secret, _):
            jwk = ["kty": .string("oct"), "kid": .string(kid), "alg": .string(algorithm.rawValue), "use": .string("sig")]
            jwk["k"] = .string(secret.withUnsafeBytes { Base64URL.encode($0) })
        case let .asymmetric(key, _):
            jwk = publicJWK ?? [:]
            if key.isPrivate {
                for (name, secret) in try key.privateComponents().sorted(by: { $0.key < $1.key }) {
                    jwk[name] = .string(secret.withUnsafeBytes { Base64URL.encode($0) })
                }
            }
        }
        jwk["created"] = .int(created)
        return jwk
    }
}

extension AsymmetricKey {
    /// The JWK `kty` (RFC 7518 §6.1, RFC 8037 §2).
    var jwkType: String {
        switch type {
        case .ec: "EC"
        case .ed25519: "OKP"
        case .rsa: "RSA"
        }
    }

    /// The JWK `crv`, for EC and OKP keys.
    var jwkCurve: String? {
        switch type {
        case let .ec(curve): curve.rawValue
        case .ed25519: "Ed25519"
        case .rsa: nil
        }
    }
}
