import Foundation
import NIOHTTP1

/// One access log line per response (`AccessLog`): method, path (never the query string, which
/// may carry a token), route, status, duration and request id. Headers and bodies are never
/// logged. On the request's path this costs a clock read and a hand-over under a lock; the
/// line is formatted and written by the log's own thread.
public struct AccessLogMiddleware: Middleware {
    let log: AccessLog

    public init(log: AccessLog) { self.log = log }

    public func handle(_ request: HTTPRequest, context: inout RequestContext, next: Next) -> Dispatch {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let wallClock = now
        let dispatch = next(request, &context)
        let log = self.log
        let context = context
        let method = request.method
        // An attacker chooses the path of a 404: at most `maximumPathBytes` of it are kept.
        let path =
            request.path.utf8.count > AccessLog.maximumPathBytes
            ? String(decoding: request.path.utf8.prefix(AccessLog.maximumPathBytes), as: UTF8.self) + "…" : request.path
        return dispatch.map { response in
            let elapsed = ContinuousClock.now - context.receivedAt
            let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
            log.record(
                AccessLog.Record(
                    receivedAt: wallClock, method: method.rawValue, path: path, route: context.route, status: response.status.code,
                    durationMicros: micros, requestID: context.requestID))
            return response
        }
    }
}
