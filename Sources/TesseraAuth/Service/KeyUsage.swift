import Metrics
import Synchronization
import TesseraJWT

/// How often one signing key verified tokens, and when it last did.
public struct KeyUse: Sendable, Equatable {
    public var verifications: Int64
    /// Seconds since 1970 of the latest verification.
    public var lastUsedAt: Int64

    public init(verifications: Int64, lastUsedAt: Int64) {
        self.verifications = verifications
        self.lastUsedAt = lastUsedAt
    }
}

/// Counts verifications per `kid`, so that an operator can see when retiring a `previous` key
/// is safe. Counted in memory on the verify path and exported as metrics
/// (`tessera_key_verifications_total`, `tessera_key_last_used_seconds`); `flush` adds what was
/// counted since to the store, where `tessera keys list` reads every instance's total.
public final class KeyUsage: Sendable {
    private struct Handles {
        let verifications: Counter
        let lastUsed: Gauge
    }

    private let pending = Mutex<[String: KeyUse]>([:])
    private let handles = Mutex<[String: Handles]>([:])

    public init() {}

    /// One verification by `kid` at `now`.
    func record(kid: String, at now: Int64) {
        pending.withLock { pending in
            var use = pending[kid] ?? KeyUse(verifications: 0, lastUsedAt: now)
            use.verifications += 1
            use.lastUsedAt = max(use.lastUsedAt, now)
            pending[kid] = use
        }
        let metrics = handles.withLock { handles in
            if let existing = handles[kid] { return existing }
            let made = Handles(
                verifications: Counter(label: "tessera_key_verifications_total", dimensions: [("kid", kid)]),
                lastUsed: Gauge(label: "tessera_key_last_used_seconds", dimensions: [("kid", kid)]))
            handles[kid] = made
            return made
        }
        metrics.verifications.increment()
        metrics.lastUsed.record(Double(now))
    }

    /// Adds the counts since the last flush to `store` in one transaction; on failure they are
    /// kept for the next flush.
    public func flush(to store: any AuthStore) async throws {
        let taken = pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
        guard !taken.isEmpty else { return }
        do {
            try await store.transaction { tx in
                for (kid, use) in taken.sorted(by: { $0.key < $1.key }) { try await tx.addKeyUse(kid: kid, use) }
            }
        } catch {
            pending.withLock { pending in
                for (kid, use) in taken {
                    var merged = pending[kid] ?? KeyUse(verifications: 0, lastUsedAt: use.lastUsedAt)
                    merged.verifications += use.verifications
                    merged.lastUsedAt = max(merged.lastUsedAt, use.lastUsedAt)
                    pending[kid] = merged
                }
            }
            throw error
        }
    }
}
