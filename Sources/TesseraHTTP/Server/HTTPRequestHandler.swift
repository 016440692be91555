import NIOCore
import NIOExtras
import NIOHTTP1

/// Collects one request at a time (pipelining is ordered by `HTTPServerPipelineHandler` in front),
/// enforces the header and body limits, hands it to the application (sync handlers on the event
/// loop, async ones off it) and writes the answer with `Content-Length`.
final class HTTPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case reading(HTTPRequestHead, [UInt8])
        case discarding  // a limit was hit; the connection closes after the answer
        case responding
    }

    private let application: HTTPApplication
    private let configuration: HTTPServerConfiguration
    private var state = State.idle
    private var closeAfterResponse = false
    /// The peer's address as text, computed once per connection.
    private var remoteIP: String?

    init(application: HTTPApplication, configuration: HTTPServerConfiguration) {
        self.application = application
        self.configuration = configuration
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case let (.head(head), .idle):
            let headerBytes = head.uri.utf8.count + head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
            if head.version.major != 1 {
                // The parser also takes HTTP/0.9 and 2.0 request lines; only HTTP/1.x is spoken here.
                reject(context, .httpVersionNotSupported)
            } else if headerBytes > configuration.maximumHeaderBytes {
                reject(context, .requestHeaderFieldsTooLarge)
            } else if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > configuration.maximumBodyBytes {
                reject(context, .payloadTooLarge)
            } else {
                state = .reading(head, [])
            }
        case (.body(var chunk), .reading(let head, var body)):
            guard body.count + chunk.readableBytes <= configuration.maximumBodyBytes else {
                reject(context, .payloadTooLarge)
                return
            }
            body += chunk.readBytes(length: chunk.readableBytes) ?? []
            state = .reading(head, body)
        case (.end, .reading(let head, let body)):
            context.triggerUserOutboundEvent(ConnectionTimeoutHandler.RequestComplete(), promise: nil)
            state = .responding
            respond(context, head: head, body: body)
        default:
            break  // parts of a rejected request, or of one still being answered
        }
    }

    private func respond(_ context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let remote = remoteIP ?? context.channel.remoteAddress?.ipAddress ?? "unknown"
        remoteIP = remote
        let request = HTTPRequest(method: head.method, uri: head.uri, headers: head.headers, body: body, remoteIP: remote)
        var requestContext = RequestContext()
        closeAfterResponse = closeAfterResponse || !head.isKeepAlive
        switch application.dispatch(request, context: &requestContext) {
        case let .ready(response):
            write(context, request: request, response: response)
        case let .pending(work):
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.makeFutureWithTask { await work() }.whenSuccess { response in
                let (handler, context) = loopBound.value
                handler.write(context, request: request, response: response)
            }
        }
    }

    private func write(_ context: ChannelHandlerContext, request: HTTPRequest, response: HTTPResponse) {
        var response = application.finish(request, response)
        if closeAfterResponse { response.headers.replaceOrAdd(name: "Connection", value: "close") }
        send(context, response)
        state = .idle
        context.triggerUserOutboundEvent(ConnectionTimeoutHandler.ResponseComplete(), promise: nil)
    }

    private func reject(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus) {
        state = .discarding
        closeAfterResponse = true
        var response = HTTPResponse.problem(status, title: status.reasonPhrase)
        response.headers.replaceOrAdd(name: "Connection", value: "close")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "X-Request-Id", value: application.requestIDs.next())
        response.headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        send(context, response)
    }

    /// Every answer is HTTP/1.1, whatever 1.x the request used (RFC 9110 §6.2: the highest
    /// version the server conforms to within the request's major version); a 1.0 client without
    /// keep-alive still gets `Connection: close`.
    private func send(_ context: ChannelHandlerContext, _ response: HTTPResponse) {
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: response.headers))), promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let close = closeAfterResponse
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if close { context.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            // Shutting down: finish the request in hand, then close.
            closeAfterResponse = true
            if case .idle = state { context.close(promise: nil) }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard case .idle = state, let parseError = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        reject(context, parseError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest)
    }
}
