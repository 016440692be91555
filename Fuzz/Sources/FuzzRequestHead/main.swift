import Foundation
import Logging
import NIOCore
import NIOEmbedded
import TesseraAuth
import TesseraHTTP
import TesseraJWT

// Raw bytes through everything a request meets before its handler: NIO's HTTP/1.1 parser,
// Tessera's connection handlers (limits, timeouts, pipelining), the request target and header
// parsing, the middleware (request ids, client address behind a trusted proxy in both header
// grammars, CORS, rate limiting) and the router. The handlers only echo what that made of the
// request, on the event loop, so every answer comes back synchronously.

/// An echo of the parsed request: path, query, bearer token, client address. (Event-loop routes
/// have no path parameters: the router refuses them.)
let routes = [
    Route(
        .GET, "/v1/items",
        .sync { request, _ in
            .json([
                "path": .string(request.path), "ip": .string(request.remoteIP),
                "q": .string(request.query["q"] ?? ""), "bearer": .string(request.bearerToken ?? ""),
            ])
        }),
    Route(
        .POST, "/oauth/token",
        .sync { request, _ in
            let form = FormData.parseStrict(String(decoding: request.body, as: UTF8.self))
            return .json([
                "fields": .int(form?.count ?? -1), "basic": .string(request.headers.first(name: "authorization").flatMap(BasicCredentials.init)?.id ?? ""),
            ])
        }),
    Route(.GET, "/healthz", .sync { _, _ in .json(["status": .string("ok")]) }),
]

/// One server per forwarded-header grammar; the first input byte picks one.
let servers = ClientAddressMiddleware.Header.allCases.map { header in
    let router = Router(routes)
    let application = HTTPApplication(
        router: router,
        middleware: [
            RequestIDMiddleware(), ClientAddressMiddleware(trustedProxies: [IPNetwork("127.0.0.0/8")!], header: header),
            CORSMiddleware(allowedOrigins: ["https://app.example"]),
            RateLimitMiddleware(addresses: RateLimiter(burst: 1000, perSecond: 1000, clock: .fixed(0)), freeRoutes: router.eventLoopRoutes),
        ])
    var configuration = HTTPServerConfiguration()
    configuration.maximumHeaderBytes = 2048
    configuration.maximumBodyBytes = 1024
    return HTTPServer(application: application, configuration: configuration, logger: Logger(label: "fuzz"), group: EmbeddedEventLoop())
}

/// The status lines of the responses in `output`, read one response at a time (status line,
/// headers, `Content-Length` bytes of body, none after HEAD), so that text inside a body is never
/// taken for one. The echo routes' bodies are JSON, so a body never starts with `HTTP/`.
func statusLines(_ output: [UInt8]) -> [String] {
    var lines: [String] = []
    var rest = output[...]
    let separator: [UInt8] = Array("\r\n\r\n".utf8)
    while !rest.isEmpty {
        guard let end = rest.firstRange(of: separator) else { preconditionFailure("a response head without its end") }
        let head = String(decoding: rest[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        lines.append(head[0])
        let length = head.dropFirst().compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "content-length" ? Int(parts[1].trimmingCharacters(in: .whitespaces)) : nil
        }.first
        let after = rest[end.upperBound...]
        // 204 and 304 carry no body and no Content-Length (RFC 9110 §8.6).
        let bodiless = head[0].hasPrefix("HTTP/1.1 204") || head[0].hasPrefix("HTTP/1.1 304")
        guard let length, !bodiless else {
            precondition(bodiless, "a response without Content-Length: \(head[0])")
            rest = after
            continue
        }
        // An answer to HEAD declares its length but has no body: the next response (or the end)
        // follows the head at once.
        if after.isEmpty || after.starts(with: Array("HTTP/".utf8)) {
            rest = after
            continue
        }
        guard after.count >= length else { preconditionFailure("a body shorter than its Content-Length") }
        rest = after.dropFirst(length)
    }
    return lines
}

/// Whatever the bytes, the connection answers well-formed HTTP/1.1 responses (each with its
/// Content-Length) or closes; never a 500.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestHead(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let channel = EmbeddedChannel()
    channel.remoteAddress = try! SocketAddress(ipAddress: "127.0.0.1", port: 40000)
    try! servers[Int(input[0]) % servers.count].configureConnection(channel)
    try? channel.connect(to: channel.remoteAddress!).wait()
    try? channel.writeInbound(ByteBuffer(bytes: input.dropFirst()))
    channel.embeddedEventLoop.run()
    var output: [UInt8] = []
    while let part = try? channel.readOutbound(as: ByteBuffer.self) { output += part.readableBytesView }
    _ = try? channel.finish()
    for line in statusLines(output) {
        precondition(line.hasPrefix("HTTP/1.1 "), "not an HTTP/1.1 status line: \(line)")
        precondition(!line.hasPrefix("HTTP/1.1 500"), "a 500 from the request path")
    }
    return 0
}
