/// One link of the middleware chain. `before` runs in chain order and may answer early;
/// `after` runs on every response in reverse order. Both run on the event loop and must be cheap.
public protocol RequestFilter: Sendable {
    func before(_ request: inout HTTPRequest) -> HTTPResponse?
    func after(_ request: HTTPRequest, _ response: inout HTTPResponse)
}

extension RequestFilter {
    public func before(_ request: inout HTTPRequest) -> HTTPResponse? { nil }
    public func after(_ request: HTTPRequest, _ response: inout HTTPResponse) {}
}
