import Logging

/// One log line per response: method, path (never the query string, which may carry a token),
/// status, duration and request id. Headers and bodies are never logged.
public struct AccessLogFilter: RequestFilter {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func after(_ request: HTTPRequest, _ response: inout HTTPResponse) {
        guard logger.logLevel <= .info else { return }
        let elapsed = ContinuousClock.now - request.receivedAt
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "path": "\(request.path)", "route": "\(request.route)", "status": "\(response.status.code)",
            "duration_us": "\(micros)", "request_id": "\(request.requestID)",
        ])
    }
}
