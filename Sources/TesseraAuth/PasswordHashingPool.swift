import Foundation
import Dispatch
import Metrics
import Synchronization

/// Runs password hashing off the caller's thread, at most `width` at a time, with a bounded
/// queue: when `maximumQueued` callers already wait, new work is refused with `overloaded` (and
/// a retry hint) instead of growing latency without bound.
public final class PasswordHashingPool: Sendable {
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    /// How many hashes run at once (default: the number of cores).
    public let width: Int
    /// How many callers may wait for a slot.
    public let maximumQueued: Int
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "tessera.password-hashing", attributes: .concurrent)
    private let depthGauge = Gauge(label: "tessera_hashing_queue_depth")

    /// A pool of `width` workers and a queue of `maximumQueued`.
    public init(width: Int = ProcessInfo.processInfo.activeProcessorCount, maximumQueued: Int = 64) {
        self.width = max(1, width)
        self.maximumQueued = maximumQueued
    }

    /// Callers waiting for a slot now (for metrics).
    public var queueDepth: Int { state.withLock { $0.waiting.count } }

    /// Runs `work` on a hashing thread once a slot is free.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    private func acquire() async throws {
        enum Decision { case go, wait, refuse }
        let decision: Decision = state.withLock { state in
            if state.running < width {
                state.running += 1
                return .go
            }
            return state.waiting.count < maximumQueued ? .wait : .refuse
        }
        switch decision {
        case .go:
            return
        case .refuse:
            Counter(label: "tessera_hashing_refused_total").increment()
            throw AuthError(.overloaded, "password hashing queue is full", retryAfter: 1)
        case .wait:
            await withCheckedContinuation { continuation in
                let runNow = state.withLock { state in
                    // A slot may have been freed between the decision and now.
                    if state.running < width {
                        state.running += 1
                        return true
                    }
                    state.waiting.append(continuation)
                    depthGauge.record(state.waiting.count)
                    return false
                }
                if runNow { continuation.resume() }
            }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.running -= 1
                return nil
            }
            let next = state.waiting.removeFirst()  // the slot passes straight to the next waiter
            depthGauge.record(state.waiting.count)
            return next
        }
        next?.resume()
    }
}
