import Foundation
import Metrics
import ServiceLifecycle
import Synchronization

/// The access log: one line per response, formatted and written by a thread of its own so
/// that an event loop never formats a date or waits for a pipe. Requests hand over a small
/// record through a bounded buffer; the writer takes them in batches (every 256 lines or
/// 50 ms); when it falls behind and the buffer is full, lines are dropped and counted
/// (`tessera_access_log_dropped_total`), never waited for.
public final class AccessLog: Service, @unchecked Sendable {
    /// How each line is written.
    public enum Format: String, Sendable, CaseIterable {
        /// `ts=… method=GET path=/v1/verify route=/v1/verify status=200 duration_us=42 request_id=…`
        case logfmt
        /// One JSON object per line with the same members.
        case json
    }

    /// What one line says. Never a header, body or query string.
    struct Record: Sendable {
        let receivedAt: timespec
        let method: String
        let path: String
        let route: String
        let status: UInt
        let durationMicros: Int64
        let requestID: String
    }

    let format: Format
    private let fileDescriptor: Int32
    private let capacity: Int
    /// Guards `pending` and `state`; the writer waits on it while there is nothing to write.
    private let condition = NSCondition()
    private var pending: [Record] = []
    private var state = State.idle
    private let dropped = Counter(label: "tessera_access_log_dropped_total")
    private let droppedCount = Atomic<Int>(0)
    /// Whether the last write stopped inside a line (writer thread only).
    private var brokenLine = false

    /// The longest path a line carries, in bytes; longer ones are cut (and end with `…`).
    static let maximumPathBytes = 1024
    /// Lines that wake the writer at once; fewer wait at most `flushInterval`.
    static let batch = 256
    /// The longest a line waits before the writer takes it.
    static let flushInterval = 0.05

    private enum State {
        case idle
        case running
        case stopping
    }

    /// A log writing `format` lines to `fileDescriptor` (2: standard error), holding at most
    /// `capacity` lines not yet written.
    public init(format: Format, fileDescriptor: Int32 = 2, capacity: Int = 8192) {
        self.format = format
        self.fileDescriptor = fileDescriptor
        self.capacity = capacity
        pending.reserveCapacity(capacity)
    }

    /// Hands a line to the writer; drops it (counted) when `capacity` lines are waiting.
    func record(_ record: Record) {
        condition.lock()
        guard pending.count < capacity else {
            condition.unlock()
            dropped.increment()
            droppedCount.add(1, ordering: .relaxed)
            return
        }
        pending.append(record)
        // The writer is woken by the first line after it emptied the buffer (it then gathers
        // more for up to `flushInterval`) and by a full batch: not once per request, which on a
        // busy core costs more than the line (two context switches).
        if pending.count == 1 || pending.count == Self.batch { condition.signal() }
        condition.unlock()
    }

    /// Writes lines on a thread of its own until graceful shutdown, then writes what is left.
    public func run() async throws {
        setState(.running)
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                    let thread = Thread { [self] in
                        writeUntilStopped()
                        finished.resume()
                    }
                    thread.name = "tessera access log"
                    thread.start()
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            self.stop()
        }
    }

    /// Lines dropped so far because the writer was behind (also `tessera_access_log_dropped_total`).
    var droppedLines: Int { droppedCount.load(ordering: .relaxed) }

    private func stop() { setState(.stopping) }

    private func setState(_ new: State) {
        condition.lock()
        state = new
        condition.signal()
        condition.unlock()
    }

    private func writeUntilStopped() {
        var formatter = AccessLogFormatter(format: format)
        var batch: [Record] = []
        batch.reserveCapacity(capacity)
        var output: [UInt8] = []
        output.reserveCapacity(64 * 1024)
        while true {
            condition.lock()
            while pending.isEmpty, state == .running { condition.wait() }
            let gather = pending.count < Self.batch && state == .running
            condition.unlock()
            // A few lines: let more gather (unlocked, so requests keep appending), so that a line
            // costs a request no wake-up. (A plain sleep: `NSCondition.wait(until:)` did not time
            // out on this platform.)
            if gather { usleep(useconds_t(Self.flushInterval * 1_000_000)) }
            condition.lock()
            let stopping = state == .stopping
            swap(&pending, &batch)
            condition.unlock()
            for record in batch {
                formatter.append(record, to: &output)
                if output.count >= 60 * 1024 { flush(&output) }
            }
            flush(&output)
            batch.removeAll(keepingCapacity: true)
            if stopping {
                condition.lock()
                let empty = pending.isEmpty
                condition.unlock()
                if empty { return }
            }
        }
    }

    /// Writes all of `output` in whole lines of at most `PIPE_BUF` bytes per write (retrying
    /// short writes and interruptions, and waiting up to a second for a non-blocking descriptor
    /// to take more), then empties it. A failing descriptor loses the lines (counted as
    /// dropped), never the server; after a failure mid-line the next write starts on a new line,
    /// so no line continues another.
    private func flush(_ output: inout [UInt8]) {
        guard !output.isEmpty else { return }
        if brokenLine { output.insert(UInt8(ascii: "\n"), at: 0) }
        let deadline = ContinuousClock.now + .seconds(1)
        let complete = output.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fileDescriptor, bytes.baseAddress! + offset, Self.nextWrite(bytes, from: offset) - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK) && waitUntilWritable(by: deadline)) {
                    continue
                } else {
                    let lost = bytes[offset...].lazy.filter { $0 == UInt8(ascii: "\n") }.count
                    droppedCount.add(lost, ordering: .relaxed)
                    dropped.increment(by: Int64(lost))
                    return offset == 0 || bytes[offset - 1] == UInt8(ascii: "\n")
                }
            }
            return true
        }
        brokenLine = !complete
        output.removeAll(keepingCapacity: true)
    }

    /// Where the write starting at `offset` ends: after the last newline within `PIPE_BUF`
    /// bytes, since writes of up to `PIPE_BUF` bytes to a pipe are never interleaved with
    /// another writer's (swift-log's lines share standard error); a longer line goes alone.
    static func nextWrite(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> Int {
        let newline = UInt8(ascii: "\n")
        let limit = offset + Int(PIPE_BUF)
        guard limit < bytes.count else { return bytes.count }
        if let last = bytes[offset..<limit].lastIndex(of: newline) { return last + 1 }
        return bytes[limit...].firstIndex(of: newline).map { $0 + 1 } ?? bytes.count
    }

    /// Whether the descriptor (non-blocking, and full) can take more before `deadline` (one
    /// per flush, so a stalled reader holds the writer, and shutdown, a second at most).
    private func waitUntilWritable(by deadline: ContinuousClock.Instant) -> Bool {
        var descriptor = pollfd(fd: fileDescriptor, events: Int16(POLLOUT), revents: 0)
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            let milliseconds = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 1000))
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0, errno == EINTR { continue }
            return ready == 1 && descriptor.revents & Int16(POLLOUT) != 0
        }
    }
}

/// Turns records into lines. Lives on the writer thread: the UTC date is formatted once per
/// second and reused.
struct AccessLogFormatter {
    let format: AccessLog.Format
    private var second: Int = -1
    private var datePrefix: [UInt8] = []

    init(format: AccessLog.Format) { self.format = format }

    mutating func append(_ record: AccessLog.Record, to output: inout [UInt8]) {
        let timestamp = self.timestamp(record.receivedAt)
        switch format {
        case .logfmt:
            output.append(contentsOf: "ts=".utf8)
            output.append(contentsOf: timestamp)
            field(" method=", record.method, &output)
            field(" path=", record.path, &output)
            field(" route=", record.route, &output)
            output.append(contentsOf: " status=".utf8)
            decimal(Int64(record.status), &output)
            output.append(contentsOf: " duration_us=".utf8)
            decimal(record.durationMicros, &output)
            field(" request_id=", record.requestID, &output)
        case .json:
            output.append(contentsOf: #"{"ts":""#.utf8)
            output.append(contentsOf: timestamp)
            output.append(UInt8(ascii: "\""))
            jsonField(#","method":"#, record.method, &output)
            jsonField(#","path":"#, record.path, &output)
            jsonField(#","route":"#, record.route, &output)
            output.append(contentsOf: #","status":"#.utf8)
            decimal(Int64(record.status), &output)
            output.append(contentsOf: #","duration_us":"#.utf8)
            decimal(record.durationMicros, &output)
            jsonField(#","request_id":"#, record.requestID, &output)
            output.append(UInt8(ascii: "}"))
        }
        output.append(UInt8(ascii: "\n"))
    }

    /// `2026-11-28T01:02:03.456Z`: the part up to the seconds is made once per second.
    private mutating func timestamp(_ time: timespec) -> [UInt8] {
        let seconds = Int(time.tv_sec)
        if seconds != second {
            var moment = time_t(seconds)
            var parts = tm()
            gmtime_r(&moment, &parts)
            var text: [UInt8] = []
            decimal(Int64(parts.tm_year) + 1900, &text, width: 4)
            text.append(UInt8(ascii: "-"))
            decimal(Int64(parts.tm_mon) + 1, &text, width: 2)
            text.append(UInt8(ascii: "-"))
            decimal(Int64(parts.tm_mday), &text, width: 2)
            text.append(UInt8(ascii: "T"))
            decimal(Int64(parts.tm_hour), &text, width: 2)
            text.append(UInt8(ascii: ":"))
            decimal(Int64(parts.tm_min), &text, width: 2)
            text.append(UInt8(ascii: ":"))
            decimal(Int64(parts.tm_sec), &text, width: 2)
            text.append(UInt8(ascii: "."))
            datePrefix = text
            second = seconds
        }
        var stamp = datePrefix
        decimal(Int64(time.tv_nsec / 1_000_000), &stamp, width: 3)
        stamp.append(UInt8(ascii: "Z"))
        return stamp
    }

    /// A logfmt value: bare when it is printable ASCII without a quote or equals sign, else
    /// quoted with `\"`, `\\` and `\uXXXX` escapes.
    private func field(_ key: String, _ value: String, _ output: inout [UInt8]) {
        output.append(contentsOf: key.utf8)
        let bare = !value.isEmpty && value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "=") }
        if bare {
            output.append(contentsOf: value.utf8)
        } else {
            quoted(value, &output)
        }
    }

    private func jsonField(_ key: String, _ value: String, _ output: inout [UInt8]) {
        output.append(contentsOf: key.utf8)
        quoted(value, &output)
    }

    /// `"value"` with JSON escapes (also valid logfmt). What a terminal or a log viewer may act
    /// on or draw out of order is escaped too: C0 and C1 controls, DEL, the line and paragraph
    /// separators, and format characters (bidirectional overrides, zero-width characters).
    private func quoted(_ value: String, _ output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0x22, 0x5C:
                output.append(UInt8(ascii: "\\"))
                output.append(UInt8(scalar.value))
            case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029:
                escape(scalar, &output)
            case 0x20..<0x7F:
                output.append(UInt8(scalar.value))
            default:
                if scalar.properties.generalCategory == .format { escape(scalar, &output) } else { UTF8.encode(scalar) { output.append($0) } }
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// `\uXXXX`, as a UTF-16 surrogate pair above U+FFFF (JSON, RFC 8259 §7).
    private func escape(_ scalar: Unicode.Scalar, _ output: inout [UInt8]) {
        UTF16.encode(scalar) { unit in
            output.append(contentsOf: #"\u"#.utf8)
            for shift in stride(from: 12, through: 0, by: -4) { output.append(Self.hexDigits[Int(unit >> UInt16(shift)) & 0xF]) }
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private func decimal(_ value: Int64, _ output: inout [UInt8], width: Int = 1) {
        var digits: [UInt8] = []
        var rest = value < 0 ? 0 : value
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        while digits.count < width { digits.append(UInt8(ascii: "0")) }
        output.append(contentsOf: digits.reversed())
    }
}
