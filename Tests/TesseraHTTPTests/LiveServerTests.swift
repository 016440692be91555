import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import TesseraAuth
import Testing

@testable import TesseraHTTP

/// A blocking TCP client for live tests: raw bytes in, raw bytes out, with a receive timeout
/// so a broken server fails the test instead of hanging it.
struct RawClient {
    let fd: Int32

    /// Connects to 127.0.0.1 (from `source`, another loopback address, when given), or to ::1
    /// when `ipv6`.
    init(port: Int, ipv6: Bool = false, source: String? = nil) throws {
        fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                Glibc.close(fd)
                throw POSIXError(.EADDRNOTAVAIL)
            }
        }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result: Int32
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            address.sin6_addr = in6addr_loopback
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until `count` complete responses (by Content-Length) arrived or the peer closed,
    /// on a thread of its own: a read blocked on a thread of the test pool could starve the
    /// server it waits for, whose async handlers need that pool.
    func responses(_ count: Int) async -> [String] { await Self.offPool { readResponses(count) } }

    /// Whether the server closed the connection (reads EOF, or a reset), read off the test pool.
    func isClosedByPeer() async -> Bool { await Self.offPool { readUntilClosed() } }

    private static func offPool<T: Sendable>(_ read: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { finished in Thread { finished.resume(returning: read()) }.start() }
    }

    private func readResponses(_ count: Int) -> [String] {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Self.split(data).count < count {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        return Self.split(data)
    }

    private func readUntilClosed() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return true }
            // A reset is the peer closing too: bytes the client sent after the server closed
            // (a slowloris still trickling) turn the close into a reset.
            if n < 0 { return errno == ECONNRESET }
        }
    }

    func close() { Glibc.close(fd) }

    /// Whether the server closes the connection within `milliseconds` (a bounded wait on the
    /// socket; nothing else may be pending on it).
    func isClosed(within milliseconds: Int32) -> Bool {
        guard readable(within: milliseconds) else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }

    /// Whether the server has sent something within `milliseconds` (a bounded wait on the
    /// socket, not a sleep).
    func readable(within milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }

    static func split(_ data: [UInt8]) -> [String] {
        var responses: [String] = []
        var text = Substring(String(decoding: data, as: UTF8.self))
        while let end = text.range(of: "\r\n\r\n") {
            let head = text[..<end.lowerBound]
            let length =
                head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            guard text[end.upperBound...].utf8.count >= length else { break }
            let bodyEnd = text.utf8.index(end.upperBound, offsetBy: length)
            responses.append(String(text[..<bodyEnd]))
            text = text[bodyEnd...]
        }
        return responses
    }
}

@Suite("HTTP: live server on port 0", .serialized)
struct LiveServerTests {
    static func withServer(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }, _ body: (Int, AppHarness) async throws -> Void) async throws {
        let harness = try await AppHarness.make()
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configure(&configuration)
        var logger = Logger(label: "live")
        logger.logLevel = .critical
        let server = HTTPServer(application: harness.app, configuration: configuration, logger: logger)
        let port = try await server.start()
        do {
            try await body(port, harness)
        } catch {
            try? await server.shutdown()
            await harness.close()
            throw error
        }
        try await server.shutdown()
        await harness.close()
    }

    @Test("connection limits: per address, and at the global limit the idlest keep-alive connection makes room")
    func connectionLimits() async throws {
        try await Self.withServer({
            $0.maximumConnectionsPerAddress = 3
            $0.maximumConnections = 5
            $0.minimumIdleBeforeReclaim = .zero
        }) { port, _ in
            func ask(_ client: RawClient) async -> Bool {
                client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                return await client.responses(1).first?.hasPrefix("HTTP/1.1 200") == true
            }
            // One address holds five idle keep-alive connections, opened one after the other:
            // three are served, two closed.
            var hoarder: [RawClient] = []
            defer { for client in hoarder { client.close() } }
            var served: [Bool] = []
            for _ in 0..<5 {
                let client = try RawClient(port: port, source: "127.0.0.2")
                hoarder.append(client)
                served.append(await ask(client))
            }
            #expect(served == [true, true, true, false, false])
            // Other addresses fill the server, then one more still gets in: an idle connection
            // of the hoarder's is closed for it.
            var others: [RawClient] = []
            defer { for client in others { client.close() } }
            for source in ["127.0.0.3", "127.0.0.4", "127.0.0.5"] {
                let client = try RawClient(port: port, source: source)
                others.append(client)
                #expect(await ask(client), "\(source)")
            }
            #expect(hoarder.prefix(3).filter { $0.isClosed(within: 1000) }.count == 1)
        }
    }

    @Test("keep-alive: two requests on one connection; pipelined requests answered in order")
    func keepAliveAndPipelining() async throws {
        try await Self.withServer { port, _ in
            let client = try RawClient(port: port)
            defer { client.close() }
            client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await client.responses(1).first?.hasPrefix("HTTP/1.1 200 OK") == true)
            client.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n\r\n")
            let answers = await client.responses(3)
            #expect(answers.count == 3)
            #expect(answers.map { $0.split(separator: " ")[1] } == ["404", "200", "200"])
            #expect(answers[2].hasSuffix(#"{"keys":[]}"#))
        }
    }

    @Test("headers over the limit get 431; a body over the limit 413; both close the connection")
    func limits() async throws {
        try await Self.withServer({
            $0.maximumHeaderBytes = 1024
            $0.maximumBodyBytes = 100
        }) { port, _ in
            let big = try RawClient(port: port)
            big.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 2000))\r\n\r\n")
            let tooBig = await big.responses(1).first ?? ""
            #expect(tooBig.hasPrefix("HTTP/1.1 431") && tooBig.lowercased().contains("\r\nx-request-id: "))
            #expect(await big.isClosedByPeer())
            big.close()
            let declared = try RawClient(port: port)
            declared.send("POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\n")
            let tooLong = await declared.responses(1).first ?? ""
            #expect(tooLong.hasPrefix("HTTP/1.1 413") && tooLong.lowercased().contains("\r\nx-request-id: "))
            declared.close()
            let chunked = try RawClient(port: port)
            chunked.send("POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n96\r\n\(String(repeating: "b", count: 150))\r\n0\r\n\r\n")
            #expect(await chunked.responses(1).first?.hasPrefix("HTTP/1.1 413") == true)
            #expect(await chunked.isClosedByPeer())
            chunked.close()
        }
    }

    @Test("the default limits, un-overridden: 16 KiB of request line and headers, 64 KiB of body, 1,024 connections, 60 s idle, 10 s read")
    func defaultLimits() async throws {
        let defaults = HTTPServerConfiguration()
        #expect(defaults.maximumHeaderBytes == 16 * 1024 && defaults.maximumBodyBytes == 64 * 1024 && defaults.maximumConnections == 1024)
        #expect(defaults.idleTimeout == .seconds(60) && defaults.readTimeout == .seconds(10) && defaults.shutdownGrace == .seconds(10))
        try await Self.withServer { port, _ in
            // Headers are counted as URI + each name and value + 4: fill to the limit, then one byte more.
            let filler = 16 * 1024 - "/healthz".utf8.count - ("Host".utf8.count + 1 + 4) - ("X-Fill".utf8.count + 4)
            for (size, status) in [(filler, "200"), (filler + 1, "431")] {
                let client = try RawClient(port: port)
                defer { client.close() }
                client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Fill: \(String(repeating: "a", count: size))\r\n\r\n")
                #expect(await client.responses(1).first?.hasPrefix("HTTP/1.1 \(status)") == true, "header filler \(size)")
            }
            for (size, status) in [(64 * 1024, "400"), (64 * 1024 + 1, "413")] {
                let client = try RawClient(port: port)
                defer { client.close() }
                client.send("POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(size)\r\n\r\n")
                client.send(String(repeating: "a", count: size))
                #expect(await client.responses(1).first?.hasPrefix("HTTP/1.1 \(status)") == true, "body \(size)")
            }
        }
    }

    @Test("a slow client (slowloris) trickling a byte every 100 ms is answered 408 on time and cut off")
    func slowClient() async throws {
        try await Self.withServer({ $0.readTimeout = .milliseconds(300) }) { port, _ in
            let client = try RawClient(port: port)
            defer { client.close() }
            let start = ContinuousClock.now
            client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            // One byte per 100 ms: a timer that restarted on every read would never fire.
            var trickled = 0
            while !client.readable(within: 100), trickled < 30 {
                client.send("a")
                trickled += 1
            }
            let elapsed = ContinuousClock.now - start
            let answer = await client.responses(1).first ?? ""
            #expect(answer.hasPrefix("HTTP/1.1 408") && answer.lowercased().contains("\r\nx-request-id: "))
            #expect(trickled >= 2, "the client kept sending while the clock ran")
            #expect(elapsed < .milliseconds(800), "408 within the 300 ms read timeout plus one tick, not later: \(elapsed)")
            #expect(await client.isClosedByPeer())
        }
    }

    @Test("IPv4 and IPv6 listeners on one port")
    func dualStack() async throws {
        try await Self.withServer({ $0.hosts = ["127.0.0.1", "::1"] }) { port, _ in
            for ipv6 in [false, true] {
                let client = try RawClient(port: port, ipv6: ipv6)
                defer { client.close() }
                client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await client.responses(1).first?.hasPrefix("HTTP/1.1 200") == true, "ipv6: \(ipv6)")
            }
        }
    }

    @Test("CORS preflight and actual requests, allowed and refused origins, and cookie attributes, over a socket")
    func corsAndCookieLive() async throws {
        try await Self.withServer { port, harness in
            _ = try await harness.seed()
            let client = try RawClient(port: port)
            defer { client.close() }
            client.send("OPTIONS /v1/login HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\nAccess-Control-Request-Method: POST\r\n\r\n")
            let allowed = await client.responses(1).first ?? ""
            #expect(allowed.hasPrefix("HTTP/1.1 204") && allowed.contains("Access-Control-Allow-Origin: https://app.example"))
            client.send("OPTIONS /v1/login HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n\r\n")
            let refused = await client.responses(1).first ?? ""
            #expect(refused.hasPrefix("HTTP/1.1 204") && !refused.contains("Access-Control-Allow"))
            let body = #"{"username":"alice","password":"correct horse battery staple","session":true}"#
            client.send(
                "POST /v1/login HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            let login = await client.responses(1).first ?? ""
            #expect(login.hasPrefix("HTTP/1.1 200") && login.contains("Access-Control-Allow-Credentials: true"))
            let cookie = login.split(separator: "\r\n").first { $0.hasPrefix("Set-Cookie:") } ?? ""
            #expect(cookie.contains("__Host-tessera_session=") && cookie.contains("; Path=/; Secure; HttpOnly; SameSite=Lax"))
        }
    }

    @Test("an idle keep-alive connection is closed after the idle timeout, not before")
    func idleTimeout() async throws {
        try await Self.withServer({ $0.idleTimeout = .milliseconds(300) }) { port, _ in
            let client = try RawClient(port: port)
            defer { client.close() }
            client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await client.responses(1).count == 1)
            let answered = ContinuousClock.now
            #expect(await client.isClosedByPeer())
            let idle = ContinuousClock.now - answered
            // Closed by the idle timer: not before 300 ms of silence, and within one tick after.
            #expect(idle >= .milliseconds(250) && idle < .milliseconds(800), "closed after \(idle)")
        }
    }

    @Test("at the limit with no connection idle, a new one is closed at once and the busy one is untouched")
    func connectionLimit() async throws {
        try await Self.withServer({ $0.maximumConnections = 1 }) { port, _ in
            let first = try RawClient(port: port)
            defer { first.close() }
            first.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")  // a request under way
            #expect(!first.readable(within: 100))
            let second = try RawClient(port: port)
            defer { second.close() }
            #expect(await second.isClosedByPeer())
            first.send("\r\n")
            #expect(await first.responses(1).first?.hasPrefix("HTTP/1.1 200") == true)
        }
    }

    @Test("graceful shutdown finishes a request in flight: its answer arrives, with Connection: close")
    func shutdownFinishesInFlight() async throws {
        let harness = try await AppHarness.make()
        _ = try await harness.seed()
        let server = HTTPServer(
            application: harness.app,
            configuration: {
                var c = HTTPServerConfiguration()
                c.port = 0
                return c
            }(),
            logger: Logger(label: "live"))
        let port = try await server.start()
        // Hold every hashing thread, so that a login stays in flight until the test lets go.
        let pool = harness.tokens.environment.hashingPool
        let release = DispatchSemaphore(value: 0)
        let base = pool.jobsAccepted
        let blockers = (0..<pool.width).map { _ in Task { try? await pool.run { release.wait() } } }
        let client = try RawClient(port: port)
        defer { client.close() }
        let body = "grant_type=password&client_id=web&username=alice&password=correct+horse+battery+staple"
        client.send(
            "POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        // In flight once its hashing job is queued behind the held threads (a bounded wait on a counter).
        let deadline = ContinuousClock.now + .seconds(10)
        while pool.jobsAccepted < base + pool.width + 1, ContinuousClock.now < deadline { await Task.yield() }
        #expect(pool.jobsAccepted == base + pool.width + 1, "the login reached the hashing queue")
        let stopping = Task { try await server.shutdown() }
        for _ in 0..<pool.width { release.signal() }
        let answer = await client.responses(1).first ?? ""
        #expect(answer.hasPrefix("HTTP/1.1 200") && answer.contains("access_token"), "\(answer.prefix(200))")
        #expect(answer.lowercased().contains("\r\nconnection: close\r\n"))
        try await stopping.value
        for blocker in blockers { await blocker.value }
        await harness.close()
    }

    @Test("graceful shutdown: idle connections close, the listener stops accepting")
    func gracefulShutdown() async throws {
        let harness = try await AppHarness.make()
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        let server = HTTPServer(application: harness.app, configuration: configuration, logger: Logger(label: "live"))
        let port = try await server.start()
        let idle = try RawClient(port: port)
        idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await idle.responses(1).count == 1)
        try await server.shutdown()
        #expect(await idle.isClosedByPeer())
        idle.close()
        #expect(throws: (any Error).self) { try RawClient(port: port) }
        await harness.close()
    }
}
