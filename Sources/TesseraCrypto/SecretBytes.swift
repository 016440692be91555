import Foundation

/// Secret key material in memory that is zeroed when the last reference goes away. It never
/// prints its contents.
public final class SecretBytes: Sendable, CustomStringConvertible {
    // Written once in init, read-only afterwards, wiped in deinit.
    nonisolated(unsafe) private let storage: UnsafeMutableRawBufferPointer

    /// Copies `bytes` into zeroing storage. The caller should wipe its own copy.
    public init(_ bytes: some ContiguousBytes) {
        storage = bytes.withUnsafeBytes { source in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 16)
            if source.count > 0 { buffer.copyMemory(from: source) }
            return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<source.count])
        }
    }

    deinit {
        wipe()
        storage.deallocate()
    }

    /// Zeroes the bytes; the deinit's first step, separate so that tests can watch it.
    func wipe() { ConstantTime.wipe(storage) }

    /// Number of secret bytes.
    public var count: Int { storage.count }

    /// Gives `body` read access to the bytes; the pointer must not escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// Constant-time equality with another secret.
    public func isEqual(to other: SecretBytes) -> Bool {
        withUnsafeBytes { a in other.withUnsafeBytes { b in ConstantTime.equals(a, b) } }
    }

    public var description: String { "SecretBytes(\(count) bytes, redacted)" }
}
