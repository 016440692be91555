import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import TesseraHTTP

/// The access log: the lines' exact form (known answers), and the writer thread that hands
/// them to a file descriptor, drops what does not fit and writes everything before it stops.
@Suite struct AccessLogTests {
    static let moment = timespec(tv_sec: 1_795_827_723, tv_nsec: 456_789_000)

    static func record(path: String = "/v1/verify", requestID: String = "r-1") -> AccessLog.Record {
        AccessLog.Record(
            receivedAt: moment, method: "GET", path: path, route: "/v1/verify", status: 200, durationMicros: 42, requestID: requestID)
    }

    static func line(_ format: AccessLog.Format, _ record: AccessLog.Record) -> String {
        var formatter = AccessLogFormatter(format: format)
        var output: [UInt8] = []
        formatter.append(record, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    @Test func logfmtLine() {
        #expect(
            Self.line(.logfmt, Self.record())
                == "ts=2026-11-28T01:02:03.456Z method=GET path=/v1/verify route=/v1/verify status=200 duration_us=42 request_id=r-1\n")
    }

    @Test func jsonLine() throws {
        let line = Self.line(.json, Self.record())
        #expect(
            line
                == #"{"ts":"2026-11-28T01:02:03.456Z","method":"GET","path":"/v1/verify","route":"/v1/verify","status":200,"duration_us":42,"request_id":"r-1"}"#
                + "\n")
        #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
    }

    @Test func valuesThatCouldForgeAFieldOrALineAreQuoted() throws {
        let sneaky = Self.record(path: "/a b\"c=d\n status=500", requestID: "")
        #expect(Self.line(.logfmt, sneaky).contains(#" path="/a b\"c=d\u000a status=500" route="#))
        #expect(Self.line(.logfmt, sneaky).hasSuffix(#" request_id="""# + "\n"))
        let json = Self.line(.json, sneaky)
        #expect(json.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["path"] as? String == "/a b\"c=d\n status=500")
    }

    @Test func controlsAndSeparatorsThatATerminalOrViewerActsOnAreEscaped() throws {
        // C1 NEL and CSI, a line and a paragraph separator, DEL; an ordinary accented letter stays.
        let sneaky = Self.record(path: "/a\u{85}b\u{9B}c\u{2028}d\u{2029}e\u{7F}é")
        #expect(Self.line(.logfmt, sneaky).contains(#" path="/a\u0085b\u009bc\u2028d\u2029e\u007fé" route="#))
        let json = Self.line(.json, sneaky)
        #expect(json.contains(#""path":"/a\u0085b\u009bc\u2028d\u2029e\u007fé""#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["path"] as? String == "/a\u{85}b\u{9B}c\u{2028}d\u{2029}e\u{7F}é")
        #expect(Self.line(.logfmt, Self.record(path: "/é")).contains(#" path="/é" "#), "non-ASCII values are quoted in logfmt")
        // A right-to-left override, a zero-width space, a byte-order mark and a tag character
        // (outside the BMP: a surrogate pair).
        let invisible = Self.line(.json, Self.record(path: "/\u{202E}a\u{200B}b\u{FEFF}c\u{E0041}"))
        #expect(invisible.contains(#""path":"/\u202ea\u200bb\ufeffc\udb40\udc41""#))
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(invisible.utf8)) as? [String: Any])
        #expect(decoded["path"] as? String == "/\u{202E}a\u{200B}b\u{FEFF}c\u{E0041}")
    }

    @Test func writesAreWholeLinesOfAtMostPipeBufBytesSoOtherWritersCannotSplitThem() {
        let lines = Array(repeating: Array(repeating: UInt8(ascii: "x"), count: 99) + [UInt8(ascii: "\n")], count: 100).joined()
        let long = Array(repeating: UInt8(ascii: "y"), count: 5000) + [UInt8(ascii: "\n")]
        let bytes = Array(lines) + long + Array(lines.prefix(300))
        var ends: [Int] = []
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                offset = AccessLog.nextWrite(buffer, from: offset)
                ends.append(offset)
            }
        }
        // 40 lines of 100 bytes fit in PIPE_BUF (4096); the 5001-byte line goes alone.
        #expect(Int(PIPE_BUF) == 4096)
        #expect(ends == [4000, 8000, 10_000, 15_001, 15_301])
    }

    @Test func aFullNonBlockingDescriptorIsWaitedForNotDroppedFrom() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        // A one-page pipe, non-blocking on the log's side: the writer finds it full again and again.
        let setPipeSize: Int32 = 1031  // F_SETPIPE_SZ (Linux; Glibc does not export it to Swift)
        #expect(fcntl(fds[1], setPipeSize, 4096) >= 4096)
        #expect(fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK) == 0)
        let log = AccessLog(format: .logfmt, fileDescriptor: fds[1], capacity: 2048)
        for index in 0..<2000 { log.record(Self.record(path: "/" + String(repeating: "p", count: 200), requestID: "line-\(index)")) }
        let readEnd = fds[0]
        // Read on a thread of its own until the log closes its end.
        let reading = Task {
            await withCheckedContinuation { (received: CheckedContinuation<Data, Never>) in
                Thread { received.resume(returning: FileHandle(fileDescriptor: readEnd).readDataToEndOfFile()) }.start()
            }
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: log)], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        close(fds[1])
        let lines = String(decoding: await reading.value, as: UTF8.self).split(separator: "\n")
        #expect(log.droppedLines == 0)
        #expect(lines.count == 2000)
        #expect(lines.last?.hasSuffix("request_id=line-1999") == true)
    }

    @Test func aSingleLineIsWrittenSoonWithoutWaitingForABatchOrShutdown() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let log = AccessLog(format: .logfmt, fileDescriptor: fds[1])
        let group = ServiceGroup(configuration: .init(services: [.init(service: log)], logger: Logger(label: "test")))
        let readEnd = fds[0]
        var text = ""
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            log.record(Self.record(requestID: "alone"))
            // Read on a thread of its own (a blocked read must not hold a test-pool thread the
            // log needs), waiting at most 30 s for the line: long enough for a busy test pool to
            // start the log, and the line would otherwise come only at shutdown, after the read.
            text = await withCheckedContinuation { (received: CheckedContinuation<String, Never>) in
                Thread {
                    var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
                    var chunk = [UInt8](repeating: 0, count: 4096)
                    let count = poll(&poller, 1, 30_000) == 1 ? read(readEnd, &chunk, chunk.count) : 0
                    received.resume(returning: String(decoding: chunk.prefix(max(count, 0)), as: UTF8.self))
                }.start()
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        close(fds[1])
        #expect(text.hasSuffix("request_id=alone\n"), "the line came while the log ran, before shutdown")
    }

    @Test func aFullBufferDropsAndCountsInsteadOfWaiting() {
        let log = AccessLog(format: .logfmt, fileDescriptor: -1, capacity: 4)
        for index in 0..<6 { log.record(Self.record(requestID: "line-\(index)")) }
        #expect(log.droppedLines == 2)
    }

    @Test func theWriterWritesLinesFromBeforeAndWhileItRunsAndAllOfThemBeforeItStops() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let log = AccessLog(format: .logfmt, fileDescriptor: fds[1], capacity: 16)
        for index in 0..<3 { log.record(Self.record(requestID: "before-\(index)")) }
        let group = ServiceGroup(configuration: .init(services: [.init(service: log)], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            log.record(Self.record(requestID: "running"))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        close(fds[1])
        // Read only after the writer stopped: a blocking read here could starve the test's own threads.
        let text = String(decoding: FileHandle(fileDescriptor: fds[0]).readDataToEndOfFile(), as: UTF8.self)
        let ids = text.split(separator: "\n").map { $0.split(separator: " ").last.map(String.init) ?? "" }
        #expect(ids == ["request_id=before-0", "request_id=before-1", "request_id=before-2", "request_id=running"])
        #expect(log.droppedLines == 0)
    }
}
