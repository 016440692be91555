import Metrics

/// Counts requests by route, method and status and records their latency (swift-metrics; the
/// executable chooses the backend). Unmatched paths count under the route `unmatched`, so
/// scanners cannot blow up the label set.
public struct MetricsFilter: RequestFilter {
    public init() {}

    public func after(_ request: HTTPRequest, _ response: inout HTTPResponse) {
        let dimensions = [("route", request.route.isEmpty ? "unmatched" : request.route), ("method", request.method.rawValue),
                          ("status", String(response.status.code))]
        Counter(label: "tessera_http_requests_total", dimensions: dimensions).increment()
        Timer(label: "tessera_http_request_duration_seconds", dimensions: Array(dimensions.prefix(2)))
            .recordInterval(since: request.receivedAt)
    }
}

extension Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
