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
report(
    try measure("Tessera HS256 sign", iterations: iterations) { _ = try signer.sign(claims) },
    beside: try await measureAsync("jwt-kit HS256 sign", iterations: iterations) { _ = try await keys.sign(payload, header: header) })
report(
    try measure("Tessera HS256 verify + claim checks", iterations: iterations) { _ = try verifier.verify(token) },
    beside: try await measureAsync("jwt-kit HS256 verify + claim checks", iterations: iterations) {
        _ = try await keys.verify(kitToken, as: AccessPayload.self)
    })

let hmac = try TesseraCrypto.HMACKey(SecretBytes(secret), hashFunction: .sha256)
let signingInput = Array(token.utf8[..<token.utf8.lastIndex(of: UInt8(ascii: "."))!])
var mac = [UInt8](repeating: 0, count: 32)
let macOnly = try measure("Tessera HMAC-SHA256 alone (signing input)", iterations: iterations) {
    try signingInput.withUnsafeBytes { input in try mac.withUnsafeMutableBytes { try hmac.authenticate(input, into: $0) } }
}
print("\(macOnly.name.padding(toLength: 44, withPad: " ", startingAt: 0)) \(macOnly.formatted)")
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
