import NIOCore

/// Both connection timeouts in one handler, with one timer per connection that compares
/// timestamps (requests cost no timer scheduling):
/// - read timeout: a request must arrive completely within `readTimeout` of its first byte, or
///   the answer is 408 and the connection closes (a slow client cannot hold it by trickling
///   headers or a body);
/// - idle timeout: a keep-alive connection with no request in progress and no traffic for
///   `idleTimeout` is closed.
final class ConnectionTimeoutHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent (outbound) by the request handler when a request has been read completely.
    struct RequestComplete {}
    /// Sent (outbound) by the request handler when its answer has been written.
    struct ResponseComplete {}

    private let readTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private var requestStarted: NIODeadline?
    private var responding = false
    private var lastActivity = NIODeadline.now()
    private var ticker: RepeatedTask?
    private let requestIDs: RequestIDGenerator
    /// Told when the connection starts and finishes a request, for the connection registry.
    private let activity: ConnectionActivity?

    init(readTimeout: Duration, idleTimeout: Duration, requestIDs: RequestIDGenerator, activity: ConnectionActivity? = nil) {
        self.readTimeout = Self.amount(readTimeout)
        self.idleTimeout = Self.amount(idleTimeout)
        self.requestIDs = requestIDs
        self.activity = activity
    }

    private static func amount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func channelActive(context: ChannelHandlerContext) {
        lastActivity = .now()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let tick = TimeAmount.nanoseconds(max(min(readTimeout, idleTimeout).nanoseconds / 4, 1_000_000))
        ticker = context.eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { _ in
            let (handler, context) = loopBound.value
            handler.check(context)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        ticker?.cancel()
        ticker = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if requestStarted == nil, !responding {
            requestStarted = .now()
            activity?.busy()
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        switch event {
        case is RequestComplete:
            requestStarted = nil
            responding = true
            promise?.succeed()
        case is ResponseComplete:
            responding = false
            lastActivity = .now()
            activity?.idle()
            promise?.succeed()
        default:
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    private func check(_ context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        if let started = requestStarted, now - started >= readTimeout {
            stop(
                context,
                answering: "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\nX-Content-Type-Options: nosniff\r\n"
                    + "X-Request-Id: \(requestIDs.next())\r\n\r\n")
        } else if requestStarted == nil, !responding, now - lastActivity >= idleTimeout {
            stop(context, answering: nil)
        }
    }

    private func stop(_ context: ChannelHandlerContext, answering response: String?) {
        requestStarted = nil
        ticker?.cancel()
        ticker = nil
        guard let response else {
            context.close(promise: nil)
            return
        }
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: response))).whenComplete { _ in context.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        ticker?.cancel()
    }
}
