internal import COpenSSL
import Foundation

/// The asymmetric JWS signature schemes (RFC 7518 §3.3-3.5, RFC 8037), each bound to one key
/// type and one hash.
public enum SignatureScheme: String, Sendable, CaseIterable {
    /// ECDSA on P-256 with SHA-256, signatures as `r‖s` (ES256).
    case ecdsaP256SHA256
    /// ECDSA on P-384 with SHA-384, signatures as `r‖s` (ES384).
    case ecdsaP384SHA384
    /// Ed25519 (EdDSA, RFC 8032 pure mode).
    case ed25519
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RS256).
    case rsaPKCS1SHA256
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (PS256).
    case rsaPSSSHA256

    /// The key type the scheme needs.
    public var keyType: AsymmetricKey.KeyType {
        switch self {
        case .ecdsaP256SHA256: .ec(.p256)
        case .ecdsaP384SHA384: .ec(.p384)
        case .ed25519: .ed25519
        case .rsaPKCS1SHA256, .rsaPSSSHA256: .rsa
        }
    }

    /// OpenSSL's digest name; nil for Ed25519, which hashes internally.
    var digestName: String? {
        switch self {
        case .ecdsaP256SHA256, .rsaPKCS1SHA256, .rsaPSSSHA256: "SHA256"
        case .ecdsaP384SHA384: "SHA384"
        case .ed25519: nil
        }
    }
}

/// A public or private asymmetric key held by OpenSSL (`EVP_PKEY`): P-256, P-384, Ed25519 or
/// RSA of at least 2048 bits. OpenSSL keeps the private material and clears it when the key is
/// freed; exported private parts come back as `SecretBytes`, which wipe themselves.
public final class AsymmetricKey: @unchecked Sendable {
    /// The elliptic curves Tessera uses for ECDSA.
    public enum Curve: String, Sendable, CaseIterable {
        case p256 = "P-256"
        case p384 = "P-384"

        /// Bytes of one coordinate, of `d`, and of each half of an `r‖s` signature.
        public var coordinateBytes: Int { self == .p256 ? 32 : 48 }
        var groupName: StaticString { self == .p256 ? "prime256v1" : "secp384r1" }
    }

    /// What kind of key this is.
    public enum KeyType: Sendable, Hashable {
        case ec(Curve)
        case ed25519
        case rsa
    }

    /// The shortest RSA modulus accepted, in bits (RFC 7518 §3.3, NIST SP 800-131A).
    public static let minimumRSABits = 2048
    /// The longest RSA modulus accepted, in bits: enough for any real key, bounded so that a
    /// hostile key cannot make each verification cost seconds.
    public static let maximumRSABits = 8192

    let pointer: OpaquePointer
    public let type: KeyType
    /// Whether the key can sign (it holds the private part).
    public let isPrivate: Bool
    /// The key size in bits (the RSA modulus, the curve's order).
    public var bits: Int { Int(EVP_PKEY_get_bits(pointer)) }

    private init(taking pointer: OpaquePointer, isPrivate: Bool) throws {
        let type: KeyType
        do {
            type = try Self.type(of: pointer)
        } catch {
            // Not yet an object whose deinit would free it.
            EVP_PKEY_free(pointer)
            throw error
        }
        self.pointer = pointer
        self.isPrivate = isPrivate
        self.type = type
        if type == .rsa {
            let bits = Int(EVP_PKEY_get_bits(pointer))
            // Larger moduli only cost verifiers time (OpenSSL's public check alone is a
            // Miller-Rabin round on n); the exponent is bounded for the same reason.
            guard (Self.minimumRSABits...Self.maximumRSABits).contains(bits), try number("e").count <= 4 else {
                throw CryptoError.unsupportedKey("RSA keys need \(Self.minimumRSABits)-\(Self.maximumRSABits) bits and an exponent below 2^32")
            }
            guard !(try Self.hasROCAFingerprint(modulus: number("n"))) else {
                throw CryptoError.unsupportedKey("the RSA modulus has the ROCA fingerprint (CVE-2017-15361): its factors can be recovered")
            }
        }
        // The public part must be sound: an RSA exponent that is odd and above 1, an EC point
        // on the curve and not at infinity.
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, pointer, nil) else { throw CryptoError.openSSL("EVP_PKEY_CTX_new_from_pkey") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_public_check(context) == 1 else {
            ERR_clear_error()
            throw CryptoError.unsupportedKey("the public key fails OpenSSL's public key check")
        }
    }

    private static func type(of pointer: OpaquePointer) throws -> KeyType {
        if EVP_PKEY_is_a(pointer, "ED25519") == 1 { return .ed25519 }
        if EVP_PKEY_is_a(pointer, "RSA") == 1 { return .rsa }
        guard EVP_PKEY_is_a(pointer, "EC") == 1 else { throw CryptoError.unsupportedKey("only EC, Ed25519 and RSA keys") }
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_utf8_string_param(pointer, "group", &name, name.count, &length) == 1,
            let curve = Curve.allCases.first(where: { $0.groupName.description == String(cString: name) })
        else { throw CryptoError.unsupportedKey("only the P-256 and P-384 curves") }
        return .ec(curve)
    }

    deinit { EVP_PKEY_free(pointer) }

    // MARK: Making keys

    /// A new random key of `type` (RSA: 2048 bits, or `rsaBits`).
    public static func generate(_ type: KeyType, rsaBits: Int = 2048) throws -> AsymmetricKey {
        let name =
            switch type {
            case .ec: "EC"
            case .ed25519: "ED25519"
            case .rsa: "RSA"
            }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, name, nil) else { throw CryptoError.openSSL("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(context) }
        try check(EVP_PKEY_keygen_init(context), "EVP_PKEY_keygen_init")
        switch type {
        case let .ec(curve): try check(EVP_PKEY_CTX_set_group_name(context, curve.groupName.cString), "EVP_PKEY_CTX_set_group_name")
        case .rsa:
            guard (minimumRSABits...maximumRSABits).contains(rsaBits) else {
                throw CryptoError.unsupportedKey("RSA keys need \(minimumRSABits)-\(maximumRSABits) bits")
            }
            try check(EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(rsaBits)), "EVP_PKEY_CTX_set_rsa_keygen_bits")
        case .ed25519: break
        }
        var key: OpaquePointer?
        try check(EVP_PKEY_generate(context, &key), "EVP_PKEY_generate")
        return try AsymmetricKey(taking: key!, isPrivate: true)
    }

    /// A key from PEM text: a PKCS#8 or traditional private key, or a SubjectPublicKeyInfo
    /// public key. An encrypted key is refused, never prompted for: OpenSSL's default passphrase
    /// callback would read the terminal.
    public convenience init(pem: String) throws {
        let bytes = Array(pem.utf8)
        let pointer: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil)  // never ask for a passphrase
        }
        if let pointer {
            try self.init(taking: pointer, isPrivate: true)
            try checkPair()
            return
        }
        ERR_clear_error()
        let publicKey: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PUBKEY(bio, nil, { _, _, _, _ in -1 }, nil)
        }
        guard let publicKey else {
            ERR_clear_error()
            throw CryptoError.unsupportedKey("no private or public key in the PEM text (an encrypted key must be decrypted first: openssl pkey -in FILE)")
        }
        try self.init(taking: publicKey, isPrivate: false)
    }

    /// A public key from its DER SubjectPublicKeyInfo.
    public convenience init(publicKeyDER der: [UInt8]) throws {
        let pointer: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let pointer else { throw CryptoError.openSSL("d2i_PUBKEY") }
        try self.init(taking: pointer, isPrivate: false)
    }

    /// An EC key from JWK coordinates (RFC 7518 §6.2): `x` and `y` of the curve's size, and
    /// `d` for a private key, which must belong to the point.
    public convenience init(curve: Curve, x: [UInt8], y: [UInt8], d: SecretBytes? = nil) throws {
        let size = curve.coordinateBytes
        guard x.count == size, y.count == size, d.map({ $0.count == size }) ?? true else {
            throw CryptoError.unsupportedKey("\(curve.rawValue) coordinates are \(size) bytes")
        }
        var parameters: [Parameter] = [.text("group", curve.groupName), .bytes("pub", [0x04] + x + y)]
        if let d { parameters.append(.secret("priv", d)) }
        let pointer = try Self.fromData(name: "EC", selection: d == nil ? tessera_select_public_key : tessera_select_key_pair, parameters)
        try self.init(taking: pointer, isPrivate: d != nil)
        if d != nil { try checkPair() }
    }

    /// An Ed25519 key from JWK members (RFC 8037 §2): the 32-byte public key `x` and, for a
    /// private key, the 32-byte seed `d`, whose public key must be `x`.
    public convenience init(ed25519PublicKey x: [UInt8], privateKey d: SecretBytes? = nil) throws {
        guard x.count == 32, d.map({ $0.count == 32 }) ?? true else { throw CryptoError.unsupportedKey("Ed25519 keys are 32 bytes") }
        let pointer: OpaquePointer? =
            if let d {
                d.withUnsafeBytes { EVP_PKEY_new_raw_private_key_ex(nil, "ED25519", nil, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), 32) }
            } else {
                x.withUnsafeBufferPointer { EVP_PKEY_new_raw_public_key_ex(nil, "ED25519", nil, $0.baseAddress, 32) }
            }
        guard let pointer else { throw CryptoError.openSSL("EVP_PKEY_new_raw_key(ED25519)") }
        try self.init(taking: pointer, isPrivate: d != nil)
        guard try publicComponents()["x"] == x else { throw CryptoError.unsupportedKey("Ed25519 private key does not match x") }
    }

    /// An RSA key from JWK members (RFC 7518 §6.3): `n` and `e`, and for a private key `d` with
    /// the CRT parts `p q dp dq qi`.
    public convenience init(rsaModulus n: [UInt8], exponent e: [UInt8], privateParts: [String: SecretBytes]? = nil) throws {
        let names = Self.rsaPrivateParameters
        if let privateParts {
            guard Set(privateParts.keys) == Set(names.keys) else { throw CryptoError.unsupportedKey("an RSA private key needs d p q dp dq qi") }
        }
        var parameters: [Parameter] = [.number("n", n), .number("e", e)]
        for (member, parameter) in names { if let part = privateParts?[member] { parameters.append(.secret(parameter, part)) } }
        let pointer = try Self.fromData(name: "RSA", selection: privateParts == nil ? tessera_select_public_key : tessera_select_key_pair, parameters)
        try self.init(taking: pointer, isPrivate: privateParts != nil)
        if privateParts != nil { try checkPair() }
    }

    /// The same key without its private part.
    public func publicKey() throws -> AsymmetricKey {
        var der: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(pointer, &der)
        guard length > 0, let der else { throw CryptoError.openSSL("i2d_PUBKEY") }
        defer { CRYPTO_free(der, #fileID, #line) }
        return try AsymmetricKey(publicKeyDER: Array(UnsafeBufferPointer(start: der, count: Int(length))))
    }

    // MARK: JWK members

    /// The public JWK members as raw bytes (before base64url): `x y` (EC, each padded to the
    /// coordinate size), `x` (Ed25519), `n e` (RSA).
    public func publicComponents() throws -> [String: [UInt8]] {
        switch type {
        case let .ec(curve):
            ["x": try number("qx", size: curve.coordinateBytes), "y": try number("qy", size: curve.coordinateBytes)]
        case .ed25519:
            ["x": try raw(EVP_PKEY_get_raw_public_key)]
        case .rsa:
            ["n": try number("n"), "e": try number("e")]
        }
    }

    /// The private JWK members (`d`; for RSA also `p q dp dq qi`), for writing the key file.
    public func privateComponents() throws -> [String: SecretBytes] {
        guard isPrivate else { throw CryptoError.unsupportedKey("a public key has no private part") }
        switch type {
        case let .ec(curve):
            return ["d": Self.secret(try number("priv", size: curve.coordinateBytes))]
        case .ed25519:
            return ["d": Self.secret(try raw(EVP_PKEY_get_raw_private_key))]
        case .rsa:
            return try Self.rsaPrivateParameters.mapValues { Self.secret(try number("\($0)")) }
        }
    }

    // MARK: Signatures

    /// Signs `message` with `scheme`; ECDSA signatures come back as `r‖s` (RFC 7518 §3.4).
    public func sign(_ message: UnsafeRawBufferPointer, scheme: SignatureScheme) throws -> [UInt8] {
        guard isPrivate else { throw CryptoError.unsupportedKey("a public key cannot sign") }
        try requireScheme(scheme)
        return try withDigestContext(scheme, signing: true) { context in
            var length = 0
            try check(EVP_DigestSign(context, nil, &length, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count), "EVP_DigestSign")
            var signature = [UInt8](repeating: 0, count: length)
            try check(
                EVP_DigestSign(context, &signature, &length, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count), "EVP_DigestSign")
            signature.removeSubrange(length...)
            guard case let .ec(curve) = type else { return signature }
            return try Self.rawECDSASignature(der: signature, size: curve.coordinateBytes)
        }
    }

    /// Whether `signature` is a valid `scheme` signature of `message` under this key. An ECDSA
    /// signature must be exactly `r‖s` of the curve's size (a DER signature is refused).
    public func isValidSignature(_ signature: UnsafeRawBufferPointer, for message: UnsafeRawBufferPointer, scheme: SignatureScheme) -> Bool {
        guard (try? requireScheme(scheme)) != nil else { return false }
        var encoded = Array(signature)
        // OpenSSL would accept an RSA signature with its leading zero bytes dropped: one token,
        // several spellings. JWS signatures are exactly the modulus length.
        if type == .rsa, signature.count != (bits + 7) / 8 { return false }
        if case let .ec(curve) = type {
            guard signature.count == 2 * curve.coordinateBytes, let der = Self.derECDSASignature(raw: signature, size: curve.coordinateBytes) else {
                return false
            }
            encoded = der
        }
        let valid =
            (try? withDigestContext(scheme, signing: false) { context in
                EVP_DigestVerify(context, encoded, encoded.count, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1
            }) ?? false
        ERR_clear_error()
        return valid
    }

    // MARK: OpenSSL plumbing

    private func requireScheme(_ scheme: SignatureScheme) throws {
        guard scheme.keyType == type else { throw CryptoError.unsupportedKey("\(scheme.rawValue) needs a \(scheme.keyType) key, not \(type)") }
    }

    private func withDigestContext<T>(_ scheme: SignatureScheme, signing: Bool, _ body: (OpaquePointer) throws -> T) throws -> T {
        guard let context = EVP_MD_CTX_new() else { throw CryptoError.openSSL("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        let initialised =
            signing
            ? EVP_DigestSignInit_ex(context, &keyContext, scheme.digestName, nil, nil, pointer, nil)
            : EVP_DigestVerifyInit_ex(context, &keyContext, scheme.digestName, nil, nil, pointer, nil)
        try check(initialised, "EVP_Digest\(signing ? "Sign" : "Verify")Init_ex")
        if scheme == .rsaPSSSHA256 {
            try check(EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING), "EVP_PKEY_CTX_set_rsa_padding")
            // The salt is exactly the hash length (RFC 7518 §3.5), when signing and verifying.
            try check(EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, RSA_PSS_SALTLEN_DIGEST), "EVP_PKEY_CTX_set_rsa_pss_saltlen")
        }
        return try body(context)
    }

    /// A key parameter for `EVP_PKEY_fromdata`.
    private enum Parameter {
        case text(StaticString, StaticString)
        case bytes(StaticString, [UInt8])
        case number(StaticString, [UInt8])
        case secret(StaticString, SecretBytes)
    }

    /// A key made from `parameters`. OSSL_PARAM_BLD keeps pointers to the names, buffers and
    /// BIGNUMs it is given until it builds the array, so names are static strings and every value
    /// lives here until then. Private numbers are secure BIGNUMs: the builder puts them in the
    /// block that `OSSL_PARAM_free` clears.
    private static func fromData(name: StaticString, selection: Int32, _ parameters: [Parameter]) throws -> OpaquePointer {
        guard let builder = OSSL_PARAM_BLD_new() else { throw CryptoError.openSSL("OSSL_PARAM_BLD_new") }
        defer { OSSL_PARAM_BLD_free(builder) }
        var numbers: [OpaquePointer] = []
        defer { for number in numbers { BN_clear_free(number) } }
        var buffers: [UnsafeMutableRawBufferPointer] = []
        defer { for buffer in buffers { buffer.deallocate() } }
        for parameter in parameters {
            switch parameter {
            case let .text(key, value):
                try check(OSSL_PARAM_BLD_push_utf8_string(builder, key.cString, value.cString, 0), "\(key)")
            case let .bytes(key, bytes):
                let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
                buffers.append(copy)
                copy.copyBytes(from: bytes)
                try check(OSSL_PARAM_BLD_push_octet_string(builder, key.cString, copy.baseAddress, bytes.count), "\(key)")
            case let .number(key, bytes):
                guard !bytes.isEmpty, let number = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw CryptoError.unsupportedKey("empty \(key)") }
                numbers.append(number)
                try check(OSSL_PARAM_BLD_push_BN(builder, key.cString, number), "\(key)")
            case let .secret(key, secret):
                guard secret.count > 0, let number = BN_secure_new() else { throw CryptoError.unsupportedKey("empty \(key)") }
                numbers.append(number)
                BN_set_flags(number, BN_FLG_CONSTTIME)
                let converted = secret.withUnsafeBytes { BN_bin2bn($0.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32($0.count), number) }
                guard converted != nil else { throw CryptoError.openSSL("BN_bin2bn(\(key))") }
                try check(OSSL_PARAM_BLD_push_BN(builder, key.cString, number), "\(key)")
            }
        }
        guard let array = OSSL_PARAM_BLD_to_param(builder) else { throw CryptoError.openSSL("OSSL_PARAM_BLD_to_param") }
        defer { OSSL_PARAM_free(array) }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, name.cString, nil) else { throw CryptoError.openSSL("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(context) }
        try check(EVP_PKEY_fromdata_init(context), "EVP_PKEY_fromdata_init")
        var key: OpaquePointer?
        try check(EVP_PKEY_fromdata(context, &key, selection, array), "EVP_PKEY_fromdata(\(name))")
        return key!
    }

    /// OpenSSL's names for the private JWK members of an RSA key.
    private static let rsaPrivateParameters: [String: StaticString] = [
        "d": "d", "p": "rsa-factor1", "q": "rsa-factor2", "dp": "rsa-exponent1", "dq": "rsa-exponent2", "qi": "rsa-coefficient1",
    ]

    /// A big-endian number parameter, left-padded to `size` bytes when given.
    private func number(_ name: String, size: Int? = nil) throws -> [UInt8] {
        var number: OpaquePointer?
        try check(EVP_PKEY_get_bn_param(pointer, name, &number), "EVP_PKEY_get_bn_param(\(name))")
        defer { BN_clear_free(number) }
        let length = size ?? Int((BN_num_bits(number) + 7) / 8)
        var bytes = [UInt8](repeating: 0, count: length)
        guard BN_bn2binpad(number, &bytes, Int32(length)) == length else { throw CryptoError.openSSL("BN_bn2binpad(\(name))") }
        return bytes
    }

    private func raw(_ get: (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>?) -> Int32) throws -> [UInt8] {
        var length = 0
        try check(get(pointer, nil, &length), "EVP_PKEY_get_raw_key")
        var bytes = [UInt8](repeating: 0, count: length)
        try check(get(pointer, &bytes, &length), "EVP_PKEY_get_raw_key")
        return bytes
    }

    /// `bytes` as `SecretBytes`, the plain copy wiped.
    private static func secret(_ bytes: [UInt8]) -> SecretBytes {
        var bytes = bytes
        defer { ConstantTime.wipe(&bytes) }
        return SecretBytes(bytes)
    }

    /// Whether an RSA modulus has the structure of the keys Infineon's library made (ROCA,
    /// Nemec et al., CCS 2017): `n mod p` lies in the subgroup generated by 65537 for every one
    /// of these small primes. A random modulus fails the test for almost all of them.
    static func hasROCAFingerprint(modulus: [UInt8]) throws -> Bool {
        let primes: [UInt32] = [
            3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137,
            139, 149, 151, 157, 163, 167,
        ]
        guard let n = BN_bin2bn(modulus, Int32(modulus.count), nil) else { throw CryptoError.openSSL("BN_bin2bn") }
        defer { BN_free(n) }
        for prime in primes {
            let residue = UInt32(BN_mod_word(n, UInt(prime)))
            var power: UInt32 = 1
            var inSubgroup = false
            for _ in 0..<prime {
                if power == residue {
                    inSubgroup = true
                    break
                }
                power = power * (65537 % prime) % prime
            }
            if !inSubgroup { return false }
        }
        return true
    }

    /// Confirms that a private key's parts belong together (the point is `d·G`, `n = p·q`…).
    private func checkPair() throws {
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, pointer, nil) else { throw CryptoError.openSSL("EVP_PKEY_CTX_new_from_pkey") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_pairwise_check(context) == 1 else { throw CryptoError.openSSL("the private key does not match its public key") }
    }

    /// `r‖s`, each left-padded to `size`, from a DER `ECDSA-Sig-Value`.
    private static func rawECDSASignature(der: [UInt8], size: Int) throws -> [UInt8] {
        let signature: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let signature else { throw CryptoError.openSSL("d2i_ECDSA_SIG") }
        defer { ECDSA_SIG_free(signature) }
        var output = [UInt8](repeating: 0, count: 2 * size)
        guard BN_bn2binpad(ECDSA_SIG_get0_r(signature), &output, Int32(size)) == size,
            output.withUnsafeMutableBufferPointer({ BN_bn2binpad(ECDSA_SIG_get0_s(signature), $0.baseAddress! + size, Int32(size)) }) == size
        else { throw CryptoError.openSSL("BN_bn2binpad") }
        return output
    }

    /// The DER `ECDSA-Sig-Value` of an `r‖s` signature; nil when it cannot be encoded.
    private static func derECDSASignature(raw: UnsafeRawBufferPointer, size: Int) -> [UInt8]? {
        let bytes = raw.bindMemory(to: UInt8.self)
        guard let signature = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(signature) }
        guard let r = BN_bin2bn(bytes.baseAddress, Int32(size), nil) else { return nil }
        guard let s = BN_bin2bn(bytes.baseAddress! + size, Int32(size), nil) else {
            BN_free(r)
            return nil
        }
        guard ECDSA_SIG_set0(signature, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        var der: UnsafeMutablePointer<UInt8>?
        let length = i2d_ECDSA_SIG(signature, &der)
        guard length > 0, let der else { return nil }
        defer { CRYPTO_free(der, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: der, count: Int(length)))
    }
}
