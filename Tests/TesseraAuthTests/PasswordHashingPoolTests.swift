import Foundation
import TesseraAuth
import Testing

@Suite("Password hashing pool")
struct PasswordHashingPoolTests {
    @Test("work runs at lower priority; a full queue is refused with overloaded and a retry hint")
    func boundedQueue() async throws {
        let pool = PasswordHashingPool(width: 1, maximumQueued: 1)
        #expect(try await pool.run { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) } == 19)
        let gate = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        async let first: Int = pool.run {
            started.signal()
            gate.wait()
            return 1
        }
        started.wait()  // the only thread is now busy
        async let second: Int = pool.run { 2 }
        while pool.queueDepth == 0 { await Task.yield() }
        let refused = await expectAuthError(.overloaded) { try await pool.run { 3 } }
        #expect(refused?.retryAfter == 1)
        gate.signal()
        #expect(try await first + second == 3)
    }
}
