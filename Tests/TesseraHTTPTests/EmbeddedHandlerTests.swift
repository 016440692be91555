import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import TesseraHTTP

@Suite("HTTP: request handler on an EmbeddedChannel")
struct EmbeddedHandlerTests {
    @Test("a complete request is answered with Content-Length and nosniff; the connection timer is told of request and response")
    func embedded() async throws {
        let harness = try await AppHarness.make()
        defer { Task { await harness.close() } }
        let channel = EmbeddedChannel()
        let timer = TimerEvents()
        try channel.pipeline.syncOperations.addHandler(timer)
        try channel.pipeline.syncOperations.addHandler(HTTPRequestHandler(application: harness.app, configuration: HTTPServerConfiguration()))
        try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/healthz")))
        #expect(timer.events.isEmpty, "nothing to tell before the request is complete")
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        // The connection timer learns that the request is complete (read timeout stops) and then
        // that the response is out (idle timeout starts), in that order.
        #expect(timer.events == ["request complete", "response complete"])
        guard case let .head(head) = try #require(try channel.readOutbound(as: HTTPServerResponsePart.self)) else {
            Issue.record("expected a response head")
            return
        }
        #expect(head.status == .ok)
        #expect(head.headers["Content-Length"] == ["15"] && head.headers["X-Content-Type-Options"] == ["nosniff"])
        _ = try #require(try channel.readOutbound(as: HTTPServerResponsePart.self))
        _ = try channel.finish()
    }
}

extension EmbeddedHandlerTests {
    @Test("HTTP/1.0 is answered in HTTP/1.1 with Connection: close; a request line of HTTP/2.0 or 0.9 gets 505 (RFC 9110 §6.2)")
    func versions() async throws {
        let harness = try await AppHarness.make()
        defer { Task { await harness.close() } }
        for (version, status, close) in [
            (HTTPVersion.http1_0, HTTPResponseStatus.ok, true), (HTTPVersion(major: 2, minor: 0), .httpVersionNotSupported, true),
            (HTTPVersion(major: 0, minor: 9), .httpVersionNotSupported, true), (.http1_1, .ok, false),
        ] {
            let channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandler(HTTPRequestHandler(application: harness.app, configuration: HTTPServerConfiguration()))
            try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: version, method: .GET, uri: "/healthz")))
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
            guard case let .head(head) = try #require(try channel.readOutbound(as: HTTPServerResponsePart.self)) else {
                Issue.record("expected a response head")
                return
            }
            #expect(head.version == .http1_1 && head.status == status, "\(version)")
            #expect((head.headers["Connection"] == ["close"]) == close, "\(version)")
            _ = try? channel.finish()
        }
    }
}

/// Records the events `HTTPRequestHandler` sends toward `ConnectionTimeoutHandler`.
private final class TimerEvents: ChannelOutboundHandler {
    typealias OutboundIn = Any
    var events: [String] = []

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        switch event {
        case is ConnectionTimeoutHandler.RequestComplete: events.append("request complete")
        case is ConnectionTimeoutHandler.ResponseComplete: events.append("response complete")
        default: break
        }
        context.triggerUserOutboundEvent(event, promise: promise)
    }
}
