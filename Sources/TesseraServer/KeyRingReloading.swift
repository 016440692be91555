import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TesseraAuth
import TesseraCrypto
import TesseraJWT
import UnixSignals

/// Brings key changes to a running server: the key file is checked every `interval` and
/// reloaded when its contents change, and SIGHUP reloads it at once. A key retired with
/// `tessera keys retire` thus stops verifying within `interval`. A ring that cannot be loaded (a
/// bad file, a group-readable mode, no signing key) is refused, logged with the reason, and the
/// ring in use kept.
final class KeyRingReloader: Service, Sendable {
    /// The key file; nil when the keys came inline (`keys.jwks`), which SIGHUP cannot reload.
    let file: String?
    let load: @Sendable () throws -> JWTKeyRing
    let accessTokens: AccessTokens
    let interval: Duration
    let logger: Logger
    /// SHA-256 of the file contents last looked at (never the contents: they are secret).
    private let lastSeen: Mutex<[UInt8]?>

    init(file: String?, load: @escaping @Sendable () throws -> JWTKeyRing, accessTokens: AccessTokens, interval: Duration, logger: Logger) {
        self.file = file
        self.load = load
        self.accessTokens = accessTokens
        self.interval = interval
        self.logger = logger
        lastSeen = Mutex(file.flatMap(Self.fingerprint))
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) { self.reload(force: true) }
                }
                if self.file != nil {
                    group.addTask {
                        while (try? await Task.sleep(for: self.interval)) != nil { self.reload(force: false) }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Reloads when the file changed since last looked at, or always with `force`.
    func reload(force: Bool) {
        guard let file else {
            logger.notice("SIGHUP: the keys are inline (keys.jwks) and are read only at start; nothing reloaded")
            return
        }
        let current = Self.fingerprint(of: file)
        let changed = lastSeen.withLock { seen in
            defer { seen = current }
            return seen != current
        }
        guard force || changed else { return }
        do {
            let ring = try load()
            try accessTokens.reload(ring)
            logger.notice("key ring reloaded", metadata: ["file": "\(file)", "kids": "\(ring.keys.map(\.kid).joined(separator: ","))"])
        } catch {
            logger.error("key ring reload failed; still using the previous ring", metadata: ["file": "\(file)", "reason": "\(error)"])
        }
    }

    private static func fingerprint(of file: String) -> [UInt8]? {
        guard let bytes = FileManager.default.contents(atPath: file) else { return nil }
        return try? HashFunction.sha256.hash(bytes)
    }
}
