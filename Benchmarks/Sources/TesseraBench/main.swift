import CBenchOpenSSL
import Foundation
import JWTKit
import TesseraCrypto
import TesseraJWT

// Benchmarks for issue #2: HS256 sign and verify (with claim checks) of a ~250-byte access token
// beside vapor/jwt-kit, and password hashing at the default parameters beside OpenSSL's own
// EVP_PBE_scrypt / PKCS5_PBKDF2_HMAC called directly. Medians of 15 timed batches.

let secret = [UInt8](repeating: 0x5A, count: 32)
let now = Int(Date().timeIntervalSince1970)
let issuer = "https://auth.example.com"
let audience = "api.example.com"

// MARK: Tessera

let ring = try JWTKeyRing(keys: [JWTKey(kid: "k1", algorithm: .hs256, secret: SecretBytes(secret), created: now)])
let claims = JWTClaims([
    "iss": .string(issuer), "sub": .string("user-1234567890"), "aud": .string(audience),
    "exp": .int(now + 900), "iat": .int(now), "jti": .string("b3f1c2d4e5f6a7b8c9d0e1"),
    "scope": .string("read:users write:users profile"),
])
let signer = JWTSigner(keyRing: ring)
var options = JWTValidationOptions()
options.issuer = issuer
options.audiences = [audience]
let verifier = JWTVerifier(keyRing: ring, options: options)
let token = try signer.sign(claims)
_ = try verifier.verify(token)

// MARK: jwt-kit peer

struct AccessPayload: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim
    var scope: String

    func verify(using algorithm: some JWTKit.JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try aud.verifyIntendedAudience(includes: audience)
        guard iss.value == issuer else { throw JWTKit.JWTError.claimVerificationFailure(failedClaim: iss, reason: "issuer") }
    }
}

let keys = JWTKeyCollection()
await keys.add(hmac: JWTKit.HMACKey(from: Data(secret)), digestAlgorithm: .sha256, kid: "k1")
let payload = AccessPayload(
    iss: .init(value: issuer), sub: .init(value: "user-1234567890"), aud: .init(value: [audience]),
    exp: .init(value: Date(timeIntervalSince1970: Double(now + 900))), iat: .init(value: Date(timeIntervalSince1970: Double(now))),
    jti: .init(value: "b3f1c2d4e5f6a7b8c9d0e1"), scope: "read:users write:users profile")
let header: JWTHeader = ["typ": "at+jwt"]
let kitToken = try await keys.sign(payload, header: header)
_ = try await keys.verify(kitToken, as: AccessPayload.self)

// `TesseraBench profile-verify [sign]`: a plain loop to run under `perf record`.
if CommandLine.arguments.dropFirst().first == "profile-verify" {
    for _ in 0..<200_000 { _ = try verifier.verify(token) }
    if CommandLine.arguments.count > 2 { for _ in 0..<200_000 { _ = try signer.sign(claims) } }
    exit(0)
}
print("token sizes: Tessera \(token.utf8.count) bytes, jwt-kit \(kitToken.utf8.count) bytes")
print()

let iterations = 20_000
let hs256Sign = try measure("Tessera HS256 sign", iterations: iterations) { _ = try signer.sign(claims) }
report(hs256Sign, beside: try await measureAsync("jwt-kit HS256 sign", iterations: iterations) { _ = try await keys.sign(payload, header: header) })
let hs256Verify = try measure("Tessera HS256 verify + claim checks", iterations: iterations) { _ = try verifier.verify(token) }
report(
    hs256Verify,
    beside: try await measureAsync("jwt-kit HS256 verify + claim checks", iterations: iterations) {
        _ = try await keys.verify(kitToken, as: AccessPayload.self)
    })

let hmac = try TesseraCrypto.HMACKey(SecretBytes(secret), hashFunction: .sha256)
let signingInput = Array(token.utf8[..<token.utf8.lastIndex(of: UInt8(ascii: "."))!])
var mac = [UInt8](repeating: 0, count: 32)
let macOnly = try measure("Tessera HMAC-SHA256 alone (signing input)", iterations: iterations) {
    try signingInput.withUnsafeBytes { input in try mac.withUnsafeMutableBytes { try hmac.authenticate(input, into: $0) } }
}
// OpenSSL's one-shot HMAC() over the same input: what a C program would call.
let macFloor = measure("OpenSSL HMAC() one call (peer)", iterations: iterations) {
    secret.withUnsafeBytes { key in
        signingInput.withUnsafeBytes { input in
            mac.withUnsafeMutableBytes { out in
                _ = HMAC(
                    EVP_sha256(), key.baseAddress, Int32(key.count), input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count,
                    out.baseAddress?.assumingMemoryBound(to: UInt8.self), nil)
            }
        }
    }
}
report(macOnly, beside: macFloor)
print(String(format: "ratio hs256-verify-microseconds   %.3f (target <= 1.0)", hs256Verify.nanosecondsPerOperation / 1000))
print(String(format: "ratio hs256-sign-microseconds     %.3f (target <= 0.8)", hs256Sign.nanosecondsPerOperation / 1000))
print()

// MARK: Password hashing beside OpenSSL's own KDF calls

let password = Array("correct horse battery staple".utf8)
let salt = [UInt8](repeating: 0x11, count: 16)
var output = [UInt8](repeating: 0, count: 32)
let hasher = PasswordHasher()
let scryptPHC = try hasher.hash("correct horse battery staple")
var pbkdf2Hasher = PasswordHasher()
pbkdf2Hasher.scheme = .pbkdf2SHA256
let pbkdf2PHC = try pbkdf2Hasher.hash("correct horse battery staple")

report(
    try measure("Tessera scrypt verify (N=2^17, r=8, p=1)", iterations: 1, samples: 9) {
        _ = try hasher.verify("correct horse battery staple", against: scryptPHC)
    },
    beside: try measure("OpenSSL EVP_PBE_scrypt (same parameters)", iterations: 1, samples: 9) {
        let status = EVP_PBE_scrypt("correct horse battery staple", password.count, salt, salt.count, 1 << 17, 8, 1, 256 << 20, &output, 32)
        precondition(status == 1)
    })
report(
    try measure("Tessera PBKDF2-SHA256 verify (600,000 rounds)", iterations: 1, samples: 9) {
        _ = try pbkdf2Hasher.verify("correct horse battery staple", against: pbkdf2PHC)
    },
    beside: try measure("OpenSSL PKCS5_PBKDF2_HMAC (same parameters)", iterations: 1, samples: 9) {
        let status = PKCS5_PBKDF2_HMAC("correct horse battery staple", Int32(password.count), salt, Int32(salt.count), 600_000, EVP_sha256(), 32, &output)
        precondition(status == 1)
    })

// MARK: Asymmetric keys beside OpenSSL's own EVP_DigestSign/EVP_DigestVerify and jwt-kit

/// An OpenSSL key of `algorithm`'s type, made with OpenSSL's own calls.
func openSSLKey(_ algorithm: TesseraJWT.JWTAlgorithm) -> OpaquePointer {
    let (name, group): (String, String?) =
        switch algorithm {
        case .es256: ("EC", "P-256")
        case .es384: ("EC", "P-384")
        case .edDSA: ("ED25519", nil)
        default: ("RSA", nil)
        }
    let context = EVP_PKEY_CTX_new_from_name(nil, name, nil)
    defer { EVP_PKEY_CTX_free(context) }
    precondition(EVP_PKEY_keygen_init(context) == 1)
    if let group { precondition(EVP_PKEY_CTX_set_group_name(context, group) == 1) }
    if name == "RSA" { precondition(EVP_PKEY_CTX_set_rsa_keygen_bits(context, 2048) == 1) }
    var key: OpaquePointer?
    precondition(EVP_PKEY_generate(context, &key) == 1)
    return key!
}

/// One EVP_DigestSign or EVP_DigestVerify of `input`, set up as an application would for each
/// token: a digest context per call, PSS padding and salt for PS256.
func openSSL(_ algorithm: TesseraJWT.JWTAlgorithm, _ key: OpaquePointer, _ input: [UInt8], verify signature: [UInt8]? = nil) -> [UInt8] {
    let context = EVP_MD_CTX_new()
    defer { EVP_MD_CTX_free(context) }
    var keyContext: OpaquePointer?
    let digest: String? =
        switch algorithm {
        case .edDSA: nil
        case .es384: "SHA384"
        default: "SHA256"
        }
    let initialised =
        signature == nil
        ? EVP_DigestSignInit_ex(context, &keyContext, digest, nil, nil, key, nil)
        : EVP_DigestVerifyInit_ex(context, &keyContext, digest, nil, nil, key, nil)
    precondition(initialised == 1)
    if algorithm == .ps256 {
        precondition(EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING) == 1)
        precondition(EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, RSA_PSS_SALTLEN_DIGEST) == 1)
    }
    if let signature {
        precondition(EVP_DigestVerify(context, signature, signature.count, input, input.count) == 1)
        return []
    }
    var length = 0
    precondition(EVP_DigestSign(context, nil, &length, input, input.count) == 1)
    var output = [UInt8](repeating: 0, count: length)
    precondition(EVP_DigestSign(context, &output, &length, input, input.count) == 1)
    return Array(output.prefix(length))
}

print()
let asymmetricIterations = 400
for algorithm in [TesseraJWT.JWTAlgorithm.es256, .es384, .edDSA, .rs256, .ps256] {
    let asymmetricRing = try JWTKeyRing(keys: [JWTKey.generate(kid: "a", algorithm: algorithm, created: now)])
    let asymmetricSigner = JWTSigner(keyRing: asymmetricRing)
    let asymmetricVerifier = JWTVerifier(keyRing: asymmetricRing, options: options)
    let asymmetricToken = try asymmetricSigner.sign(claims)
    _ = try asymmetricVerifier.verify(asymmetricToken)
    let input = Array(asymmetricToken.utf8[..<asymmetricToken.utf8.lastIndex(of: UInt8(ascii: "."))!])
    let key = openSSLKey(algorithm)
    let rawSignature = openSSL(algorithm, key, input)
    report(
        try measure("Tessera \(algorithm.rawValue) sign", iterations: asymmetricIterations) { _ = try asymmetricSigner.sign(claims) },
        beside: try measure("OpenSSL EVP_DigestSign \(algorithm.rawValue)", iterations: asymmetricIterations) { _ = openSSL(algorithm, key, input) })
    report(
        try measure("Tessera \(algorithm.rawValue) verify + claim checks", iterations: asymmetricIterations) {
            _ = try asymmetricVerifier.verify(asymmetricToken)
        },
        beside: try measure("OpenSSL EVP_DigestVerify \(algorithm.rawValue)", iterations: asymmetricIterations) {
            _ = openSSL(algorithm, key, input, verify: rawSignature)
        })
}

print()
let kitECDSA = JWTKeyCollection()
await kitECDSA.add(ecdsa: ES256PrivateKey(), kid: "e")
let kitEdDSA = JWTKeyCollection()
await kitEdDSA.add(eddsa: try EdDSA.PrivateKey(curve: .ed25519), kid: "d")
for (algorithm, kit) in [(TesseraJWT.JWTAlgorithm.es256, kitECDSA), (.edDSA, kitEdDSA)] {
    let asymmetricRing = try JWTKeyRing(keys: [JWTKey.generate(kid: "a", algorithm: algorithm, created: now)])
    let asymmetricSigner = JWTSigner(keyRing: asymmetricRing)
    let asymmetricVerifier = JWTVerifier(keyRing: asymmetricRing, options: options)
    let asymmetricToken = try asymmetricSigner.sign(claims)
    let kitAsymmetricToken = try await kit.sign(payload, header: header)
    report(
        try measure("Tessera \(algorithm.rawValue) sign", iterations: asymmetricIterations) { _ = try asymmetricSigner.sign(claims) },
        beside: try await measureAsync("jwt-kit \(algorithm.rawValue) sign", iterations: asymmetricIterations) {
            _ = try await kit.sign(payload, header: header)
        })
    report(
        try measure("Tessera \(algorithm.rawValue) verify + claim checks", iterations: asymmetricIterations) {
            _ = try asymmetricVerifier.verify(asymmetricToken)
        },
        beside: try await measureAsync("jwt-kit \(algorithm.rawValue) verify + claim checks", iterations: asymmetricIterations) {
            _ = try await kit.verify(kitAsymmetricToken, as: AccessPayload.self)
        })
}
