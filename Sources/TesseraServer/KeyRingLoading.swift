import Foundation
import Logging
import TesseraAuth
import TesseraCrypto
import TesseraJWT

extension TesseraConfiguration {
    /// The key ring: the inline JWK Set if given, else the key file.
    public func loadKeyRing() throws -> JWTKeyRing {
        do {
            if let inlineJWKS { return try JWTKeyRing(jwks: Array(inlineJWKS.utf8)) }
            guard FileManager.default.fileExists(atPath: keysFile) else {
                throw InvalidConfiguration("no key ring at \(keysFile); create one with `tessera keys generate`")
            }
            return try JWTKeyRing(contentsOfFile: keysFile)
        } catch let error as InvalidConfiguration {
            throw error
        } catch {
            throw InvalidConfiguration("cannot load keys: \(error)")
        }
    }

    /// The key ring a server signs with; a first start with no key file creates one (one ES256
    /// key, mode 0600: asymmetric, so resource servers can verify from the JWK Set and ID
    /// tokens can be signed) and logs it.
    func ensureKeyRing(logger: Logger, now: Int) throws -> JWTKeyRing {
        if inlineJWKS == nil, !FileManager.default.fileExists(atPath: keysFile) {
            do {
                var ring = try JWTKeyRing(keys: [])
                let kid = try JWTKey.defaultKid(now: now)
                try ring.add(JWTKey.generate(kid: kid, algorithm: .es256, created: now))
                try ring.write(toFile: keysFile)
                logger.notice("created a new key ring", metadata: ["file": "\(keysFile)", "kid": "\(kid)"])
            } catch {
                throw InvalidConfiguration("cannot create the key ring at \(keysFile): \(error)")
            }
        }
        let ring = try loadKeyRing()
        guard ring.signingKey != nil else { throw InvalidConfiguration("the key ring has no active signing key; run `tessera keys rotate`") }
        return ring
    }
}

extension JWTKey {
    /// A new key's id when none is given: the UTC day and 48 random bits (`20261127-Ab3dE_fG`).
    public static func defaultKid(now: Int) throws -> String {
        let day = ISO8601DateFormatter.string(from: Date(timeIntervalSince1970: Double(now)), timeZone: .gmt, formatOptions: [.withFullDate])
        return "\(day.replacingOccurrences(of: "-", with: ""))-\(Base64URL.encode(try SecureRandom.bytes(count: 6)))"
    }
}
