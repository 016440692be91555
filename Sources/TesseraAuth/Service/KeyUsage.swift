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

    /// Counts since the last flush, and each kid's metric handles, under one lock: the verify
    /// path takes it once.
    private struct State {
        var pending: [String: KeyUse] = [:]
        var handles: [String: Handles] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// One verification by `kid` at `now`.
    func record(kid: String, at now: Int64) {
        let metrics = state.withLock { state in
            state.pending.add(kid, KeyUse(verifications: 1, lastUsedAt: now))
            if let existing = state.handles[kid] { return existing }
            let made = Handles(
                verifications: Counter(label: "tessera_key_verifications_total", dimensions: [("kid", kid)]),
                lastUsed: Gauge(label: "tessera_key_last_used_seconds", dimensions: [("kid", kid)]))
            state.handles[kid] = made
            return made
        }
        metrics.verifications.increment()
        metrics.lastUsed.record(Double(now))
    }

    /// Adds the counts since the last flush to `store` in one transaction; on failure they are
    /// kept for the next flush.
    public func flush(to store: any AuthStore) async throws {
        let taken = state.withLock { state in
            defer { state.pending = [:] }
            return state.pending
        }
        guard !taken.isEmpty else { return }
        do {
            try await store.transaction { tx in
                for (kid, use) in taken.sorted(by: { $0.key < $1.key }) { try await tx.addKeyUse(kid: kid, use) }
            }
        } catch {
            state.withLock { state in
                for (kid, use) in taken { state.pending.add(kid, use) }
            }
            throw error
        }
    }
}

extension [String: KeyUse] {
    /// Adds `use` to the counts of `kid`, keeping the later last use.
    fileprivate mutating func add(_ kid: String, _ use: KeyUse) {
        guard var sum = self[kid] else {
            self[kid] = use
            return
        }
        sum.verifications += use.verifications
        sum.lastUsedAt = Swift.max(sum.lastUsedAt, use.lastUsedAt)
        self[kid] = sum
    }
}
