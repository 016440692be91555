import TesseraCrypto
import TesseraJWT

/// A fixed instant for every test: 2026-01-01T00:00:00Z.
let fixedNow: Double = 1_767_225_600

/// Deterministic HMAC keys so failures reproduce; a new key pair for an asymmetric algorithm.
func makeKey(_ kid: String, _ algorithm: JWTAlgorithm = .hs256, fill: UInt8 = 0x42, created: Int = 1) throws -> JWTKey {
    guard algorithm.isSymmetric else { return try JWTKey.generate(kid: kid, algorithm: algorithm, created: created) }
    return try JWTKey(kid: kid, algorithm: algorithm, secret: SecretBytes([UInt8](repeating: fill, count: algorithm.minimumKeyBytes)), created: created)
}

/// A ring with one HS256 key `k1` and an HS512 key `k2`, `k1` active.
func makeRing() throws -> JWTKeyRing {
    try JWTKeyRing(keys: [makeKey("k1"), makeKey("k2", .hs512, fill: 0x17, created: 2)], activeKid: "k1")
}

/// Options for the standard access token below.
func accessOptions() -> JWTValidationOptions {
    var options = JWTValidationOptions()
    options.clock = .fixed(fixedNow)
    options.issuer = "https://auth.example"
    options.audiences = ["api"]
    return options
}

/// A typical ~250-byte access token's claims.
func accessClaims(exp: Double = fixedNow + 900) -> JWTClaims {
    JWTClaims([
        "iss": .string("https://auth.example"), "sub": .string("user-1234"), "aud": .string("api"),
        "exp": .number(JSONNumber(exp)!), "iat": .int(Int(fixedNow)), "jti": .string("3f2b1c9e-7a41-4d0b"),
        "client_id": .string("web"), "scope": .string("read write"),
    ])
}

/// Signs `header` and `claims` JSON text exactly as given, with `secret`, for building attacks.
func forge(header: String, claims: String, secret: [UInt8], hash: HashFunction = .sha256) throws -> String {
    let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
    let key = try HMACKey(SecretBytes(secret), hashFunction: hash, allowShortKey: true)
    return input + "." + Base64URL.encode(try key.authenticationCode(for: Array(input.utf8)))
}

let standardClaimsJSON = #"{"iss":"https://auth.example","sub":"u","aud":"api","exp":1767226500,"iat":1767225600}"#
let k1Secret = [UInt8](repeating: 0x42, count: 32)
