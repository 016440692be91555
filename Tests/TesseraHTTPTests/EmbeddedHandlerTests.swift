import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import TesseraHTTP

@Suite("HTTP: request handler on an EmbeddedChannel")
struct EmbeddedHandlerTests {
    @Test("a complete request is answered with Content-Length and nosniff; the read timer is told")
    func embedded() async throws {
        let harness = try await AppHarness.make()
        defer { Task { await harness.close() } }
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(HTTPRequestHandler(application: harness.app, configuration: HTTPServerConfiguration()))
        try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/healthz")))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
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
