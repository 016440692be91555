import TesseraCrypto
import Testing

/// Cheap parameters so the suite stays fast; the defaults are checked separately.
private let fast = PasswordHasher(scrypt: ScryptParameters(logN: 10, r: 8, p: 1), pbkdf2Rounds: 1000)

@Suite("Password hashing")
struct PasswordHasherTests {
    @Test("defaults meet the OWASP minimums")
    func defaults() {
        let hasher = PasswordHasher()
        #expect(hasher.scheme == .scrypt)
        #expect(hasher.scrypt == ScryptParameters(logN: 17, r: 8, p: 1))
        #expect(hasher.pbkdf2Rounds == 600_000)
        #expect(hasher.maximumPasswordBytes == 1024)
    }

    @Test("hash then verify, both schemes", arguments: PasswordHasher.Scheme.allCases)
    func roundTrip(_ scheme: PasswordHasher.Scheme) throws {
        var hasher = fast
        hasher.scheme = scheme
        let phc = try hasher.hash("correct horse battery staple ✓")
        #expect(phc.hasPrefix(scheme == .scrypt ? "$scrypt$ln=10,r=8,p=1$" : "$pbkdf2-sha256$1000$"))
        #expect(try hasher.verify("correct horse battery staple ✓", against: phc))
        #expect(try !hasher.verify("correct horse battery staple", against: phc))
        #expect(try hasher.hash("same") != hasher.hash("same"), "salts must differ")
    }

    // Produced by passlib 1.7.4: scrypt.using(rounds=4).hash and pbkdf2_sha256.using(rounds=1000).hash.
    @Test(
        "passlib hashes verify",
        arguments: [
            ("$scrypt$ln=4,r=8,p=1$Ocf4v9fa+997rzXmvPc+5w$eaSus4YuhkjVsdJCftbdMLrdsdRWcLGaZFNoZ9tS2Pg", "x"),
            ("$pbkdf2-sha256$29000$MsbYO8dYK6W0tjaG8L4Xog$sYp1UyX9rMuBzMyX3kDa2TxQaXlBeyQaLAdC.0cZCQ0", "pässword"),
        ])
    func passlibKnownAnswers(_ phc: String, _ password: String) throws {
        #expect(try fast.verify(password, against: phc))
        #expect(try !fast.verify(password + "!", against: phc))
        #expect(try PasswordHash(phc: phc).phcString == phc, "re-encoding must be byte-identical")
    }

    @Test("over-long passwords are refused before hashing")
    func tooLong() {
        let long = String(repeating: "a", count: 1025)
        #expect(throws: CryptoError.passwordTooLong) { try fast.hash(long) }
        #expect(throws: CryptoError.passwordTooLong) {
            try fast.verify(long, against: "$pbkdf2-sha256$29000$MsbYO8dYK6W0tjaG8L4Xog$sYp1UyX9rMuBzMyX3kDa2TxQaXlBeyQaLAdC.0cZCQ0")
        }
        #expect(throws: Never.self) { try fast.hash(String(repeating: "a", count: 1024)) }
    }

    @Test(
        "unparsable stored hashes give a clear error",
        arguments: [
            "", "plain", "$scrypt$", "$md5$1$abc$def", "$scrypt$ln=4,r=8$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
            "$scrypt$ln=4,r=8,p=1,x=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA", "$scrypt$ln=04,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
            "$pbkdf2-sha256$-5$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA", "$pbkdf2-sha256$1000$c2F*dA$aGFzaGhhc2hoYXNoaGFzaA",
            "$pbkdf2-sha256$1000$c2FsdA$aGFz", "$pbkdf2-sha256$999999999999$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
        ])
    func unparsable(_ phc: String) {
        #expect(throws: CryptoError.invalidPasswordHash) { try fast.verify("x", against: phc) }
    }

    @Test("a stored hash demanding absurd memory is refused, not run")
    func absurdParameters() {
        #expect(throws: CryptoError.unsupportedParameters) {
            try fast.verify("x", against: "$scrypt$ln=30,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")
        }
    }

    @Test("needsRehash flags weaker or foreign hashes")
    func rehash() throws {
        let current = try fast.hash("pw")
        #expect(!fast.needsRehash(current))
        var stronger = fast
        stronger.scrypt = ScryptParameters(logN: 11, r: 8, p: 1)
        #expect(stronger.needsRehash(current))
        var pbkdf2 = fast
        pbkdf2.scheme = .pbkdf2SHA256
        #expect(pbkdf2.needsRehash(current))
        #expect(fast.needsRehash("garbage"))
        // A PBKDF2 hash under an scrypt policy is foreign; under a 600,000-round policy, 29,000 is weak.
        #expect(fast.needsRehash("$pbkdf2-sha256$29000$MsbYO8dYK6W0tjaG8L4Xog$sYp1UyX9rMuBzMyX3kDa2TxQaXlBeyQaLAdC.0cZCQ0"))
        #expect(PasswordHasher(scheme: .pbkdf2SHA256).needsRehash("$pbkdf2-sha256$29000$MsbYO8dYK6W0tjaG8L4Xog$sYp1UyX9rMuBzMyX3kDa2TxQaXlBeyQaLAdC.0cZCQ0"))
    }
}
