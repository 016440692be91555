import TesseraCrypto
import TesseraJWT
import Testing

/// One rejection test per attack in RFC 8725 §2 that applies to an HMAC-only verifier.
@Suite("RFC 8725 attacks")
struct AttackTests {
    let verifier: JWTVerifier

    init() throws { verifier = JWTVerifier(keyRing: try makeRing(), options: accessOptions()) }

    @Test("alg none in every case spelling, with or without a signature", arguments: ["none", "None", "NONE", "nOnE"])
    func algNone(_ spelling: String) throws {
        let header = #"{"alg":"\#(spelling)","typ":"at+jwt"}"#
        let unsigned = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(standardClaimsJSON.utf8))
        #expect(throws: JWTError.unsecured) { try verifier.verify(unsigned + ".") }
        #expect(throws: JWTError.unsecured) { try verifier.verify(forge(header: header, claims: standardClaimsJSON, secret: k1Secret)) }
    }

    @Test("an RS256 header on an HMAC key (the public-key-as-HMAC-secret attack) is refused")
    func publicKeyAsSecret() throws {
        let publicKeyPEM = Array("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n".utf8)
        for alg in ["RS256", "ES256", "PS256"] {
            let token = try forge(header: #"{"alg":"\#(alg)","kid":"k1","typ":"at+jwt"}"#, claims: standardClaimsJSON, secret: publicKeyPEM)
            #expect(throws: JWTError.algorithmMismatch) { try verifier.verify(token) }
        }
        // Even with the HMAC alg, a MAC keyed with public material does not verify.
        let hs = try forge(header: #"{"alg":"HS256","kid":"k1","typ":"at+jwt"}"#, claims: standardClaimsJSON, secret: publicKeyPEM)
        #expect(throws: JWTError.invalidSignature) { try verifier.verify(hs) }
    }

    @Test("alg swap HS256 ↔ HS512: the key's pinned alg wins")
    func algSwap() throws {
        let up = try forge(header: #"{"alg":"HS512","kid":"k1","typ":"at+jwt"}"#, claims: standardClaimsJSON, secret: k1Secret, hash: .sha512)
        #expect(throws: JWTError.algorithmMismatch) { try verifier.verify(up) }
        let down = try forge(
            header: #"{"alg":"HS256","kid":"k2","typ":"at+jwt"}"#, claims: standardClaimsJSON,
            secret: [UInt8](repeating: 0x17, count: 64))
        #expect(throws: JWTError.algorithmMismatch) { try verifier.verify(down) }
    }

    @Test("stripped, truncated, extended or re-encoded signatures are refused")
    func signatureTampering() throws {
        let token = try JWTSigner(keyRing: makeRing()).sign(accessClaims())
        let input = token[..<token.lastIndex(of: ".")!]
        let signature = String(token[token.index(after: token.lastIndex(of: ".")!)...])
        #expect(throws: JWTError.invalidSignature) { try verifier.verify(input + ".") }
        #expect(throws: JWTError.invalidSignature) { try verifier.verify(input + "." + signature.dropLast(3)) }
        #expect(throws: JWTError.invalidEncoding, "41 characters cannot be strict base64url") {
            try verifier.verify(input + "." + signature.dropLast(2))
        }
        #expect(throws: JWTError.invalidSignature) { try verifier.verify(input + "." + signature + "AAAA") }
        #expect(throws: JWTError.invalidEncoding) { try verifier.verify(input + "." + signature.dropLast() + "=") }
        #expect(throws: JWTError.invalidSignature, "longer than any HS256 signature") { try verifier.verify(input + "." + signature + "=") }
        #expect(throws: JWTError.malformed) { try verifier.verify(String(input)) }
        #expect(throws: JWTError.malformed) { try verifier.verify(token + ".x") }
    }

    @Test("a kid pointing nowhere, or not a string, is refused")
    func unknownKid() throws {
        #expect(throws: JWTError.unknownKey) {
            try verifier.verify(forge(header: #"{"alg":"HS256","kid":"../../etc/passwd","typ":"at+jwt"}"#, claims: standardClaimsJSON, secret: k1Secret))
        }
        #expect(throws: JWTError.invalidHeader) {
            try verifier.verify(forge(header: #"{"alg":"HS256","kid":1,"typ":"at+jwt"}"#, claims: standardClaimsJSON, secret: k1Secret))
        }
    }

    @Test("leeway is bounded: a verifier told to allow a day (or infinity, or a negative) still allows at most 300 s")
    func leewayIsClamped() throws {
        let signer = JWTSigner(keyRing: try makeRing())
        for configured in [86400, .infinity, .nan] as [Double] {
            var lenient = verifier
            lenient.options.leeway = configured
            #expect(throws: JWTError.expired, "\(configured)") { try lenient.verify(signer.sign(accessClaims(exp: fixedNow - 301))) }
        }
        var capped = verifier
        capped.options.leeway = 86400
        #expect(throws: Never.self) { try capped.verify(signer.sign(accessClaims(exp: fixedNow - 299))) }
        var negative = verifier
        negative.options.leeway = -1000
        #expect(throws: Never.self) { try negative.verify(signer.sign(accessClaims(exp: fixedNow + 1))) }
        #expect(throws: JWTError.expired) { try negative.verify(signer.sign(accessClaims(exp: fixedNow - 1))) }
    }

    @Test("expired, not yet valid and issued-in-the-future tokens are refused, with the configured leeway")
    func times() throws {
        let signer = JWTSigner(keyRing: try makeRing())
        #expect(throws: JWTError.expired) { try verifier.verify(signer.sign(accessClaims(exp: fixedNow - 61))) }
        #expect(throws: Never.self) { try verifier.verify(signer.sign(accessClaims(exp: fixedNow - 59))) }
        var early = accessClaims()
        early["nbf"] = .int(Int(fixedNow) + 120)
        #expect(throws: JWTError.notYetValid) { try verifier.verify(signer.sign(early)) }
        var future = accessClaims()
        future["iat"] = .int(Int(fixedNow) + 120)
        #expect(throws: JWTError.issuedInFuture) { try verifier.verify(signer.sign(future)) }
        var noExp = accessClaims()
        noExp["exp"] = nil
        #expect(throws: JWTError.missingExpiration) { try verifier.verify(signer.sign(noExp)) }
        var stringExp = accessClaims()
        stringExp["exp"] = .string("9999999999")
        #expect(throws: JWTError.invalidTimeClaim) { try verifier.verify(signer.sign(stringExp)) }
    }

    @Test("wrong issuer or audience is refused; aud may be an array")
    func issuerAndAudience() throws {
        let signer = JWTSigner(keyRing: try makeRing())
        var otherIssuer = accessClaims()
        otherIssuer["iss"] = .string("https://evil.example")
        #expect(throws: JWTError.invalidIssuer) { try verifier.verify(signer.sign(otherIssuer)) }
        var otherAudience = accessClaims()
        otherAudience["aud"] = .string("billing")
        #expect(throws: JWTError.invalidAudience) { try verifier.verify(signer.sign(otherAudience)) }
        var arrayAudience = accessClaims()
        arrayAudience["aud"] = .array([.string("billing"), .string("api")])
        #expect(throws: Never.self) { try verifier.verify(signer.sign(arrayAudience)) }
        var noAudience = accessClaims()
        noAudience["aud"] = nil
        #expect(throws: JWTError.invalidAudience) { try verifier.verify(signer.sign(noAudience)) }
        // A verifier that names no audience must not accept a token addressed to someone.
        var open = accessOptions()
        open.audiences = []
        #expect(throws: JWTError.invalidAudience) { try JWTVerifier(keyRing: makeRing(), options: open).verify(signer.sign(accessClaims())) }
    }

    @Test("a huge header is refused before parsing")
    func hugeHeader() throws {
        let padding = String(repeating: "A", count: 9000)
        let token = try forge(header: #"{"alg":"HS256","kid":"k1","typ":"at+jwt","x":"\#(padding)"}"#, claims: standardClaimsJSON, secret: k1Secret)
        #expect(throws: JWTError.tokenTooLarge) { try verifier.verify(token) }
    }

    @Test("crit extensions are refused; duplicate header members are refused")
    func critAndDuplicates() throws {
        #expect(throws: JWTError.unsupportedCritical) {
            try verifier.verify(
                forge(header: #"{"alg":"HS256","kid":"k1","typ":"at+jwt","crit":["exp"],"exp":1}"#, claims: standardClaimsJSON, secret: k1Secret))
        }
        #expect(throws: JWTError.invalidHeader) {
            try verifier.verify(forge(header: #"{"alg":"none","alg":"HS256","kid":"k1","typ":"at+jwt"}"#, claims: standardClaimsJSON, secret: k1Secret))
        }
        #expect(throws: JWTError.invalidClaims) {
            try verifier.verify(
                forge(header: #"{"alg":"HS256","kid":"k1","typ":"at+jwt"}"#, claims: #"{"sub":"a","sub":"b","exp":1767226500}"#, secret: k1Secret))
        }
    }

    @Test("escaped member names are the same names: no duplicate slips through, no claim hides")
    func escapedNames() throws {
        let header = #"{"alg":"HS256","kid":"k1","typ":"at+jwt"}"#
        #expect(throws: JWTError.invalidClaims) {
            try verifier.verify(forge(header: header, claims: #"{"exp":1767226500,"\u0065xp":1}"#, secret: k1Secret))
        }
        #expect(throws: JWTError.invalidHeader) {
            try verifier.verify(forge(header: #"{"alg":"HS256","\u0061lg":"none","kid":"k1","typ":"at+jwt"}"#, claims: standardClaimsJSON, secret: k1Secret))
        }
        // An expired token whose exp is spelled with an escape is still expired.
        let escapedExp = #"{"iss":"https://auth.example","aud":"api","\u0065xp":1}"#
        #expect(throws: JWTError.expired) { try verifier.verify(forge(header: header, claims: escapedExp, secret: k1Secret)) }
        let escapedIssuer = #"{"iss":"https:\/\/auth.example","aud":"api","exp":1767226500}"#
        #expect(try verifier.verify(forge(header: header, claims: escapedIssuer, secret: k1Secret)).claims.issuer == "https://auth.example")
    }

    @Test("a token of another type (an ID token or plain JWT) is refused as an access token (RFC 8725 §3.11)")
    func typeConfusion() throws {
        for typ in [#""typ":"JWT","#, #""typ":"dpop+jwt","#, ""] {
            let token = try forge(
                header: #"{"alg":"HS256",\#(typ)"kid":"k1"}"#,
                claims: accessClaims().object.serialized, secret: k1Secret)
            #expect(throws: JWTError.invalidType) { try verifier.verify(token) }
        }
        let mediaType = try forge(
            header: #"{"alg":"HS256","typ":"application/AT+JWT","kid":"k1"}"#,
            claims: accessClaims().object.serialized, secret: k1Secret)
        #expect(throws: Never.self) { try verifier.verify(mediaType) }
    }

    @Test("a header or payload that is not strict base64url, or not JSON, is refused")
    func garbage() throws {
        #expect(throws: JWTError.invalidEncoding) { try verifier.verify("eyJ=.eyJ.sig") }
        #expect(throws: JWTError.invalidHeader) { try verifier.verify(Base64URL.encode(Array("[1]".utf8)) + ".e30.AAAA") }
        #expect(throws: JWTError.invalidHeader) { try verifier.verify(Base64URL.encode(Array(#"{"typ":"at+jwt"}"#.utf8)) + ".e30.AAAA") }
        #expect(throws: JWTError.malformed) { try verifier.verify("") }
    }
}
