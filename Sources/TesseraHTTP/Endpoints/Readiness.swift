import Synchronization
import TesseraJWT

/// Whether the service can answer, checked by `check` at most once per `interval` seconds: a
/// burst of probes (or of anyone calling `/readyz`) costs the store one query a second.
final class Readiness: Sendable {
    private let check: @Sendable () async throws -> Void
    private let clock: JWTClock
    private let interval: Double
    private let last = Mutex<(at: Double, ready: Bool)?>(nil)

    init(clock: JWTClock, interval: Double = 1, check: @escaping @Sendable () async throws -> Void) {
        self.check = check
        self.clock = clock
        self.interval = interval
    }

    func isReady() async -> Bool {
        let now = clock.now
        if let last = last.withLock({ $0 }), now - last.at < interval { return last.ready }
        let ready = (try? await check()) != nil
        last.withLock { $0 = (now, ready) }
        return ready
    }
}
