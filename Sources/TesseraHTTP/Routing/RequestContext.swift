/// Per-request state kept beside the request, not in it: what middleware and the router learn
/// (request id, matched route, path parameters) and when the request was complete.
public struct RequestContext: Sendable {
    /// The request id: a sane incoming `X-Request-Id` or a generated one.
    public var requestID = ""
    /// The matched route's pattern (`/v1/users/{id}`), for logs and metrics; empty if none.
    public var route = ""
    /// Parameters captured from the route pattern (`{id}`).
    public var parameters: [String: String] = [:]
    /// The rate limiter left this request's per-address charge to the endpoint, which decides
    /// after client authentication (`ClientAdmission`).
    public var addressLimitDeferred = false
    /// When the request was complete, for the access log and latency metrics.
    public let receivedAt: ContinuousClock.Instant

    public init(receivedAt: ContinuousClock.Instant = .now) { self.receivedAt = receivedAt }
}
