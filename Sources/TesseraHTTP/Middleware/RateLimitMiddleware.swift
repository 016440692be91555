import Foundation
import NIOHTTP1
import Synchronization
import TesseraAuth
import TesseraJWT

/// A token bucket per client address (an IPv4 address, an IPv6 /64) for state-changing requests
/// (logins, token requests): `burst` at once, refilled at `perSecond`. Beyond it: 429 with `Retry-After`. Reads (verify, metadata)
/// are not limited: gateways call them at high rates. Buckets are forgotten when full.
public final class RateLimitMiddleware: Middleware {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    let burst: Double
    let perSecond: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock: JWTClock

    public init(burst: Int = 20, perSecond: Double = 10, clock: JWTClock = .system) {
        self.burst = Double(burst)
        self.perSecond = perSecond
        self.clock = clock
    }

    public func handle(_ request: HTTPRequest, context: inout RequestContext, next: Next) -> Dispatch {
        guard ![.GET, .HEAD, .OPTIONS].contains(request.method) else { return next(request, &context) }
        let now = clock.now
        let key = IPAddress.limitKey(for: request.remoteIP)
        let wait: Double = buckets.withLock { buckets in
            if buckets.count > 100_000 { buckets = buckets.filter { $0.value.tokens + (now - $0.value.updated) * perSecond < burst } }
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * perSecond)
            bucket.updated = now
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / perSecond }
            bucket.tokens -= 1
            return 0
        }
        guard wait > 0 else { return next(request, &context) }
        var response = HTTPResponse.problem(.tooManyRequests, title: "Too Many Requests", detail: "slow down and retry after the given delay")
        response.headers.replaceOrAdd(name: "Retry-After", value: String(Int(wait.rounded(.up))))
        return .ready(response)
    }
}
