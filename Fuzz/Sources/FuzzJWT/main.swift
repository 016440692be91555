import TesseraCrypto
import TesseraJWT

// The JWT verify path as Tessera runs it: one HS256 key (kid k1), the RFC 9068 access-token
// profile, a fixed clock.
let secret = SecretBytes([UInt8](repeating: 0x42, count: 32))
let ring = try! JWTKeyRing(keys: [JWTKey(kid: "k1", algorithm: .hs256, secret: secret, created: 1)])
let mac = try! HMACKey(secret, hashFunction: .sha256)
let verifier: JWTVerifier = {
    var options = JWTValidationOptions()
    options.issuer = "https://auth.test"
    options.audiences = ["api"]
    options.maximumAccessTokenLifetime = 86400
    options.clock = .fixed(1_767_225_600)
    return JWTVerifier(keyRing: ring, options: options)
}()
/// The protected header Tessera writes, for inputs that are signed here.
let header = Base64URL.encode(Array(#"{"alg":"HS256","kid":"k1","typ":"at+jwt"}"#.utf8))

/// The first byte picks what the rest is. Even: a compact token as a client sends it (random
/// inputs stop at parsing or the MAC). Odd: a claims payload, signed here with the key so that
/// mutations reach claim validation. Verification must refuse or return the claims, never
/// crash, and a token it accepts must meet the profile.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJWT(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let rest = UnsafeRawBufferPointer(rebasing: input.dropFirst())
    let verified: VerifiedJWT?
    if input[0] & 1 == 0 {
        verified = try? verifier.verify(rest)
        // Forgery: a token that verifies must carry the MAC of its own signing input.
        if verified != nil {
            let token = Array(rest)
            let dot = token.lastIndex(of: UInt8(ascii: "."))!
            let expected = try! mac.authenticationCode(for: Array(token[..<dot]))
            precondition(Base64URL.decode(String(decoding: token[(dot + 1)...], as: UTF8.self)) == expected, "a token verified without the key's MAC")
        }
    } else {
        let signingInput = header + "." + Base64URL.encode(rest)
        let signature = try! mac.authenticationCode(for: Array(signingInput.utf8))
        verified = try? verifier.verify(signingInput + "." + Base64URL.encode(signature))
    }
    if let claims = verified?.claims {
        // The profile: Tessera's issuer and audience, unexpired (with the minute of leeway), a subject and client.
        let audience = claims["aud"]
        let audiences: [JSONValue] = if case let .array(values)? = audience { values } else { audience.map { [$0] } ?? [] }
        precondition(claims.issuer == "https://auth.test" && audiences.contains(.string("api")), "issuer or audience not checked")
        precondition((claims.expiration ?? 0) > 1_767_225_600 - 60 && claims.subject != nil && claims.clientID != nil, "profile not checked")
    }
    return 0
}
