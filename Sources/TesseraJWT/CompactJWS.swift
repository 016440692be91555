import Foundation
import TesseraCrypto

/// The three segments of a compact JWS, located but not yet trusted.
struct CompactJWS {
    let token: UnsafeRawBufferPointer
    let firstDot: Int
    let secondDot: Int

    /// Splits `token`, enforcing the size cap and exactly three segments.
    init(_ token: UnsafeRawBufferPointer, maximumBytes: Int) throws {
        guard token.count <= maximumBytes else { throw JWTError.tokenTooLarge }
        guard let first = Self.dot(in: token, from: 0), let second = Self.dot(in: token, from: first + 1),
            Self.dot(in: token, from: second + 1) == nil
        else { throw JWTError.malformed }
        self.token = token
        firstDot = first
        secondDot = second
    }

    /// The offset of the next `.` at or after `start`.
    private static func dot(in token: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < token.count, let base = token.baseAddress,
            let found = memchr(base + start, Int32(UInt8(ascii: ".")), token.count - start)
        else { return nil }
        return UnsafeRawPointer(found) - base
    }

    private var encodedHeader: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: token[0..<firstDot]) }
    private var encodedPayload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: token[(firstDot + 1)..<secondDot]) }
    private var encodedSignature: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: token[(secondDot + 1)...]) }
    private var signingInput: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: token[0..<secondDot]) }

    /// The header, which must be a JSON object with unique members.
    func decodeHeader() throws -> IndexedJSONObject {
        guard Base64URL.decodedLength(encodedPayload.count) != nil, Base64URL.decodedLength(encodedSignature.count) != nil else {
            throw JWTError.invalidEncoding
        }
        guard let bytes = Base64URL.decode(encodedHeader) else { throw JWTError.invalidEncoding.with("header") }
        guard let header = IndexedJSONObject(bytes) else { throw JWTError.invalidHeader }
        return header
    }

    /// Checks the signature over the exact received `header.payload` text (an HMAC in
    /// constant time).
    func checkSignature(with key: JWTKey) throws {
        guard let signatureLength = Base64URL.decodedLength(encodedSignature.count), signatureLength <= key.maximumSignatureBytes else {
            throw JWTError.invalidSignature.with("wrong length")
        }
        let valid = try withUnsafeTemporaryAllocation(byteCount: signatureLength, alignment: 1) { signature in
            guard Base64URL.decode(encodedSignature, into: signature) else { throw JWTError.invalidEncoding.with("signature") }
            return key.isValidSignature(UnsafeRawBufferPointer(signature), for: signingInput)
        }
        guard valid else { throw JWTError.invalidSignature }
    }

    /// The claims, which must be a JSON object with unique members.
    func decodeClaims() throws -> IndexedJSONObject {
        guard let bytes = Base64URL.decode(encodedPayload) else { throw JWTError.invalidEncoding.with("payload") }
        guard let claims = IndexedJSONObject(bytes) else { throw JWTError.invalidClaims }
        return claims
    }
}
