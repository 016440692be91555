import Foundation
import Metrics
import Synchronization

/// Runs password hashing on its own threads, `width` of them, with a bounded queue: when
/// `maximumQueued` jobs already wait, new work is refused with `overloaded` (and a retry hint)
/// instead of growing latency without bound.
///
/// The threads run at the lowest scheduling priority (nice 19), so a burst of logins cannot starve
/// the event loops that verify tokens: hashing takes the CPU time they leave.
public final class PasswordHashingPool: Sendable {
    /// How many hashes run at once (default: the number of cores).
    public let width: Int
    /// How many jobs may wait for a thread.
    public let maximumQueued: Int
    private let queue: JobQueue

    /// A pool of `width` threads at nice `niceness` and a queue of `maximumQueued`.
    public init(width: Int = ProcessInfo.processInfo.activeProcessorCount, maximumQueued: Int = 64, niceness: Int32 = 19) {
        self.width = max(1, width)
        self.maximumQueued = maximumQueued
        queue = JobQueue()
        for index in 0..<self.width {
            let thread = Thread { [queue] in
                // On Linux, PRIO_PROCESS with who 0 sets the calling thread's nice value only.
                setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
                queue.work()
            }
            thread.name = "tessera-hash-\(index)"
            thread.start()
        }
    }

    deinit { queue.stop() }

    /// Jobs waiting for a thread now (for metrics).
    public var queueDepth: Int { queue.depth }

    /// Jobs accepted since start: what a login costs, countable (the no-enumeration tests).
    public var jobsAccepted: Int { accepted.load(ordering: .relaxed) }
    private let accepted = Atomic<Int>(0)

    /// Runs `work` on a hashing thread.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = queue.submit(limit: maximumQueued) { continuation.resume(with: Result { try work() }) }
            if accepted {
                self.accepted.add(1, ordering: .relaxed)
            } else {
                Counter(label: "tessera_hashing_refused_total").increment()
                continuation.resume(throwing: AuthError(.overloaded, "password hashing queue is full", retryAfter: 1))
            }
        }
    }
}

/// The jobs and the condition the hashing threads wait on.
private final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []  // guarded by condition
    private var stopping = false  // guarded by condition
    private let depthGauge = Gauge(label: "tessera_hashing_queue_depth")

    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count
    }

    /// Queues `job` unless `limit` jobs already wait.
    func submit(limit: Int, _ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard jobs.count < limit else { return false }
        jobs.append(job)
        depthGauge.record(jobs.count)
        condition.signal()
        return true
    }

    /// A hashing thread's loop: take a job, run it, until stopped.
    func work() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            depthGauge.record(jobs.count)
            condition.unlock()
            job()
        }
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }
}
