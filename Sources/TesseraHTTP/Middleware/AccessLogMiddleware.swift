import Logging
import NIOHTTP1

/// One log line per response: method, path (never the query string, which may carry a token),
/// route, status, duration and request id. Headers and bodies are never logged.
public struct AccessLogMiddleware: Middleware {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func handle(_ request: HTTPRequest, context: inout RequestContext, next: Next) -> Dispatch {
        let dispatch = next(request, &context)
        guard logger.logLevel <= .info else { return dispatch }
        let logger = self.logger
        let context = context
        let method = request.method
        let path = request.path
        return dispatch.map { response in
            let elapsed = ContinuousClock.now - context.receivedAt
            let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
            logger.info(
                "request",
                metadata: [
                    "method": "\(method.rawValue)", "path": "\(path)", "route": "\(context.route)", "status": "\(response.status.code)",
                    "duration_us": "\(micros)", "request_id": "\(context.requestID)",
                ])
            return response
        }
    }
}
