/// The rest of the pipeline after a middleware: the next middleware, or the router.
public typealias Next = (HTTPRequest, inout RequestContext) -> Dispatch

/// One link of the middleware chain, after hummingbird's `RouterMiddleware`: it sees the request
/// and its context, may answer early without calling `next`, and may change the response on the
/// way back (`Dispatch.map`). It runs on the event loop, so it must be cheap and must not block.
public protocol Middleware: Sendable {
    func handle(_ request: HTTPRequest, context: inout RequestContext, next: Next) -> Dispatch
}
