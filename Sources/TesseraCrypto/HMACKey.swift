internal import COpenSSL
import Foundation
import Synchronization

/// An HMAC key (RFC 2104) with its keyed OpenSSL state prepared once.
///
/// Keying computes the inner and outer pad states a single time. Each call borrows a context from a
/// small pool, re-initialises it from that prepared state (no re-keying), and returns it, so
/// concurrent callers never share a context and the steady state allocates nothing in OpenSSL.
public final class HMACKey: @unchecked Sendable {
    /// The hash function this key is used with.
    public let hashFunction: HashFunction
    /// Length of the MAC in bytes.
    public var macSize: Int { hashFunction.digestSize }

    private let prepared: MACContext
    private let idle: Mutex<[MACContext]>
    private static let maximumIdleContexts = 64

    /// Prepares an HMAC key. Refuses keys shorter than the hash output unless
    /// `allowShortKey` is set (RFC 4231 and Wycheproof vectors use short keys).
    public init(_ key: SecretBytes, hashFunction: HashFunction, allowShortKey: Bool = false) throws {
        guard allowShortKey || key.count >= hashFunction.digestSize else { throw CryptoError.keyTooShort }
        self.hashFunction = hashFunction
        self.prepared = try key.withUnsafeBytes { key in
            try MACContext.keyed(key, hashFunction: hashFunction)
        }
        self.idle = Mutex([])
    }

    deinit {
        EVP_MAC_CTX_free(prepared.pointer)
        idle.withLock { contexts in
            for context in contexts { EVP_MAC_CTX_free(context.pointer) }
        }
    }

    /// Writes the MAC of `message` into `output`, which must hold `macSize` bytes.
    public func authenticate(_ message: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        precondition(output.count >= macSize, "MAC output buffer too small")
        let context = try borrowContext()
        defer { returnContext(context) }
        let ctx = context.pointer
        try check(EVP_MAC_init(ctx, nil, 0, nil), "EVP_MAC_init")
        try check(EVP_MAC_update(ctx, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count), "EVP_MAC_update")
        var written = 0
        try check(
            EVP_MAC_final(ctx, output.baseAddress!.assumingMemoryBound(to: UInt8.self), &written, output.count),
            "EVP_MAC_final")
        guard written == macSize else { throw CryptoError.openSSL("EVP_MAC_final length") }
    }

    /// The MAC of `message`.
    public func authenticationCode(for message: some ContiguousBytes) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: macSize)
        try message.withUnsafeBytes { message in
            try output.withUnsafeMutableBytes { out in try authenticate(message, into: out) }
        }
        return output
    }

    /// Whether `mac` is the MAC of `message`, compared in constant time. A MAC of the wrong length
    /// (truncated or padded) is never valid.
    public func isValidAuthenticationCode(_ mac: UnsafeRawBufferPointer, for message: UnsafeRawBufferPointer) -> Bool {
        guard mac.count == macSize else { return false }
        return withUnsafeTemporaryAllocation(byteCount: 64, alignment: 16) { expected in
            defer { ConstantTime.wipe(expected) }
            guard (try? authenticate(message, into: expected)) != nil else { return false }
            return ConstantTime.equals(mac, UnsafeRawBufferPointer(rebasing: expected[0..<macSize]))
        }
    }

    /// Whether `mac` is the MAC of `message`, compared in constant time.
    public func isValidAuthenticationCode(_ mac: some ContiguousBytes, for message: some ContiguousBytes) -> Bool {
        mac.withUnsafeBytes { mac in message.withUnsafeBytes { message in isValidAuthenticationCode(mac, for: message) } }
    }

    private func borrowContext() throws -> MACContext {
        if let context = idle.withLock({ $0.popLast() }) { return context }
        guard let copy = EVP_MAC_CTX_dup(prepared.pointer) else { throw CryptoError.openSSL("EVP_MAC_CTX_dup") }
        return MACContext(pointer: copy)
    }

    private func returnContext(_ context: MACContext) {
        let kept = idle.withLock { contexts in
            guard contexts.count < Self.maximumIdleContexts else { return false }
            contexts.append(context)
            return true
        }
        if !kept { EVP_MAC_CTX_free(context.pointer) }
    }
}

/// An `EVP_MAC_CTX` owned by exactly one holder at a time (the pool or one caller).
struct MACContext: @unchecked Sendable {
    let pointer: OpaquePointer

    /// A context keyed with `key` for HMAC over `hashFunction`.
    static func keyed(_ key: UnsafeRawBufferPointer, hashFunction: HashFunction) throws -> MACContext {
        guard let ctx = EVP_MAC_CTX_new(FetchedAlgorithms.shared.hmac) else {
            throw CryptoError.openSSL("EVP_MAC_CTX_new")
        }
        let result = hashFunction.rawValue.withCString { name in
            withUnsafeTemporaryAllocation(of: OSSL_PARAM.self, capacity: 2) { params in
                params[0] = OSSL_PARAM_construct_utf8_string(OSSLParameter.digest.cString, UnsafeMutablePointer(mutating: name), 0)
                params[1] = OSSL_PARAM_construct_end()
                // A zero-length key still needs a non-NULL pointer: NULL means "keep the old key".
                return withUnsafeTemporaryAllocation(byteCount: 1, alignment: 1) { empty in
                    let keyPointer = key.count > 0 ? key.baseAddress! : UnsafeRawPointer(empty.baseAddress!)
                    return EVP_MAC_init(ctx, keyPointer.assumingMemoryBound(to: UInt8.self), key.count, params.baseAddress)
                }
            }
        }
        guard result == 1 else {
            EVP_MAC_CTX_free(ctx)
            throw CryptoError.openSSL("EVP_MAC_init(HMAC-\(hashFunction.rawValue))")
        }
        return MACContext(pointer: ctx)
    }
}
