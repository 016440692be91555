import Foundation
import SQLiteNIO
import TesseraSQLite
import Testing

/// SIGKILLs a process in the middle of a refresh-heavy loop on a SQLite file, three times, and
/// checks after each kill that the file is sound and the invariants hold.
@Suite("Crash safety (SQLite)")
struct CrashSafetyTests {
    static var worker: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("TesseraCrashWorker")
    }

    @Test("SIGKILL mid-rotation leaves a consistent database")
    func killMidRotation() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.worker.path), "TesseraCrashWorker is missing; `swift build` builds it")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("crash.db").path
        var reported = 0
        for round in 1...3 {
            // On a thread of its own: the worker's output is read with blocking reads, which must
            // not hold a thread of the test pool that other suites' servers need.
            let (rotations, killed) = try await withCheckedThrowingContinuation { (finished: CheckedContinuation<(Int, Bool), any Error>) in
                Thread { finished.resume(with: Result { try runUntilKilled(path: path, afterRotations: 150 + round * 37) }) }.start()
            }
            #expect(killed, "the worker must die by the signal, not exit")
            #expect(rotations >= 150)
            reported += rotations
            // Every rotation the worker reported was committed before it printed: its token is
            // spent in the file. At most one more per loop (4) can commit between print and kill.
            let spent = try await checkInvariants(path: path)
            #expect(spent >= reported && spent <= reported + 4 * round, "spent \(spent), reported \(reported)")
        }
        // Durability comes from the store's own connection: WAL, and fsync on every commit.
        let store = try await SQLiteAuthStore.open(path: path)
        let durability = try await store.durability()
        try await store.close()
        #expect(durability.journalMode == "wal" && durability.synchronous == 2)
    }

    /// Starts the worker, reads its progress, and kills it with SIGKILL once it has committed
    /// `afterRotations` rotations (while its four loops keep writing); returns how many it
    /// reported and whether the signal killed it.
    private func runUntilKilled(path: String, afterRotations: Int) throws -> (Int, Bool) {
        let process = Process()
        process.executableURL = Self.worker
        process.arguments = [path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer = Data()
        var rotations = 0
        let deadline = Date().addingTimeInterval(120)
        while rotations < afterRotations, Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            rotations = String(decoding: buffer, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("rotated") }.count
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return (rotations, process.terminationReason == .uncaughtSignal)
    }

    /// Checks the file after a kill; returns how many refresh tokens are spent.
    private func checkInvariants(path: String) async throws -> Int {
        let db = try await SQLiteConnection.open(storage: .file(path: path))
        defer { Task { try? await db.close() } }
        #expect(try await db.query("PRAGMA integrity_check", []).first?.columns.first?.data.string == "ok")
        let doubled = try await db.query(
            """
            SELECT family_id FROM refresh_tokens WHERE revoked_at IS NULL AND spent_at IS NULL
            GROUP BY family_id HAVING COUNT(*) > 1
            """, [])
        #expect(doubled.isEmpty, "a family has two live refresh tokens")
        let users = try await db.query("SELECT COUNT(*) FROM users WHERE username LIKE 'crash-%'", [])
        #expect(users.first?.columns.first?.data.integer == 4)
        let clients = try await db.query("SELECT COUNT(*) FROM clients WHERE id = 'crash-client'", [])
        #expect(clients.first?.columns.first?.data.integer == 1)
        let orphans = try await db.query("SELECT COUNT(*) FROM refresh_tokens WHERE session_id NOT IN (SELECT id FROM sessions)", [])
        #expect(orphans.first?.columns.first?.data.integer == 0)
        let spent = try await db.query("SELECT COUNT(*) FROM refresh_tokens WHERE spent_at IS NOT NULL", [])
        return try #require(spent.first?.columns.first?.data.integer)
    }
}
