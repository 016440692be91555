import Metrics
import NIOHTTP1
import Synchronization

/// Counts requests by route, method and status and records their latency (swift-metrics; the
/// executable chooses the backend). Unmatched paths count under the route `unmatched`, so
/// scanners cannot blow up the label set. Metric handles are made once per label set and reused.
public final class MetricsMiddleware: Middleware {
    private struct Key: Hashable {
        let route: String
        let method: String
        let status: UInt
    }

    private struct Handles {
        var counters: [Key: Counter] = [:]
        var timers: [Key: Timer] = [:]
    }

    private let handles = Mutex(Handles())

    public init() {}

    public func handle(_ request: HTTPRequest, context: inout RequestContext, next: Next) -> Dispatch {
        let dispatch = next(request, &context)
        let route = context.route.isEmpty ? "unmatched" : context.route
        let method = request.method.rawValue
        let start = context.receivedAt
        return dispatch.map { [self] response in
            record(route: route, method: method, status: response.status.code, since: start)
            return response
        }
    }

    private func record(route: String, method: String, status: UInt, since start: ContinuousClock.Instant) {
        let (counter, timer) = handles.withLock { handles in
            let counterKey = Key(route: route, method: method, status: status)
            let timerKey = Key(route: route, method: method, status: 0)
            let counter =
                handles.counters[counterKey]
                ?? Counter(
                    label: "tessera_http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))])
            let timer =
                handles.timers[timerKey]
                ?? Timer(
                    label: "tessera_http_request_duration_seconds", dimensions: [("route", route), ("method", method)])
            handles.counters[counterKey] = counter
            handles.timers[timerKey] = timer
            return (counter, timer)
        }
        counter.increment()
        timer.recordInterval(since: start)
    }
}

extension Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
