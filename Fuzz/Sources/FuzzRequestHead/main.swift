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

/// Whatever the bytes, the connection answers in HTTP/1.x or closes; never a 500.
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
    let text = String(decoding: output, as: UTF8.self)
    precondition(output.isEmpty || text.hasPrefix("HTTP/1.1 ") || text.hasPrefix("HTTP/1.0 "), "not an HTTP answer: \(text)")
    precondition(!text.contains(" 500 Internal"), "a 500 from the request path: \(text)")
    return 0
}
