import Foundation
import TesseraCrypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension JWTKeyRing {
    /// Reads a JWK Set file. Refuses a file that group or others can access (as OpenSSH does for
    /// private keys): the secrets in it may already be exposed, and the operator should know.
    public init(contentsOfFile path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw JWTError.keyFileUnavailable.with("\(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        try Self.requirePrivate(descriptor, path)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count >= 0 else { throw JWTError.keyFileUnavailable.with("\(path): \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            bytes += chunk[0..<count]
            guard bytes.count <= 1 << 20 else { throw JWTError.invalidKeySet.with("\(path) is larger than 1 MiB") }
        }
        defer { ConstantTime.wipe(&bytes) }
        try self.init(jwks: bytes)
    }

    /// Writes the ring to `path` atomically with mode 0600 (a temporary file, fsync, rename),
    /// creating a missing parent directory with mode 0700. Refuses to replace a file that group
    /// or others can access rather than silently keep secrets in it.
    public func write(toFile path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let parent = directory.isEmpty ? "." : directory
        if !FileManager.default.fileExists(atPath: parent) {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw JWTError.keyFileUnavailable.with("cannot create \(parent)")
            }
        }
        let existing = open(path, O_RDONLY | O_CLOEXEC)
        if existing >= 0 {
            defer { close(existing) }
            try Self.requirePrivate(existing, path)
        }
        let temporary = "\(path).tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw JWTError.keyFileUnavailable.with("\(temporary): \(String(cString: strerror(errno)))") }
        var bytes = try jwksBytes()
        defer { ConstantTime.wipe(&bytes) }
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw JWTError.keyFileUnavailable.with("\(path): \(reason)")
        }
        let directoryDescriptor = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    private static func requirePrivate(_ descriptor: Int32, _ path: String) throws {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw JWTError.keyFileUnavailable.with(path) }
        guard status.st_mode & 0o077 == 0 else {
            throw JWTError.insecureKeyFile.with("\(path) has mode \(String(status.st_mode & 0o777, radix: 8)); run chmod 600 \(path)")
        }
    }
}
