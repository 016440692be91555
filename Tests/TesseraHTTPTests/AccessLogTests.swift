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
            // log needs), waiting at most 5 s for the line.
            text = await withCheckedContinuation { (received: CheckedContinuation<String, Never>) in
                Thread {
                    var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
                    var chunk = [UInt8](repeating: 0, count: 4096)
                    let count = poll(&poller, 1, 5000) == 1 ? read(readEnd, &chunk, chunk.count) : 0
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
