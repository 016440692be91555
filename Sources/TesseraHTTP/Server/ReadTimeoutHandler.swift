import NIOCore

/// Answers 408 and closes when a request has not arrived completely within the timeout of its
/// first byte: a slow client cannot hold a connection by trickling headers or a body. One timer
/// per connection ticks at a fraction of the timeout and compares timestamps, so requests cost
/// no timer scheduling.
final class ReadTimeoutHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent (outbound) by the request handler when a request has been read completely.
    struct RequestComplete {}

    private let timeout: TimeAmount
    private var requestStarted: NIODeadline?
    private var ticker: RepeatedTask?

    init(timeout: Duration) {
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
    }

    func channelActive(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let tick = TimeAmount.nanoseconds(max(timeout.nanoseconds / 4, 1_000_000))
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
        if requestStarted == nil { requestStarted = .now() }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if event is RequestComplete {
            requestStarted = nil
            promise?.succeed()
        } else {
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    private func check(_ context: ChannelHandlerContext) {
        guard let started = requestStarted, NIODeadline.now() - started >= timeout else { return }
        requestStarted = nil
        ticker?.cancel()
        ticker = nil
        var response = context.channel.allocator.buffer(capacity: 96)
        response.writeString("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\nX-Content-Type-Options: nosniff\r\n\r\n")
        context.writeAndFlush(NIOAny(response)).whenComplete { _ in context.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        ticker?.cancel()
    }
}
