import Foundation
import NIOHTTP1
import Synchronization
import TesseraAuth
import TesseraJWT

/// Token buckets by key: `burst` at once, refilled at `perSecond`. Buckets are forgotten when
/// full, once there are many.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    let burst: Double
    let perSecond: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock: JWTClock

    /// A limiter; a rate of 0 turns it off.
    public init(burst: Int, perSecond: Double, clock: JWTClock = .system) {
        self.burst = Double(burst)
        self.perSecond = perSecond
        self.clock = clock
    }

    /// Takes `cost` tokens (one by default) from `key`'s bucket; throws `RateLimited` with the
    /// wait when it holds fewer.
    func take(_ key: String, cost: Double = 1) throws {
        if let wait = wait(for: key, cost: cost) { throw RateLimited(retryAfter: wait) }
    }

    /// Whether `key`'s bucket holds a token, without taking it: nil, or the seconds to wait.
    func peek(_ key: String) -> Int? {
        guard perSecond > 0 else { return nil }
        let now = clock.now
        let tokens = buckets.withLock { $0[key].map { min(burst, $0.tokens + (now - $0.updated) * perSecond) } } ?? burst
        return tokens >= 1 ? nil : Int(((1 - tokens) / perSecond).rounded(.up))
    }

    /// Takes `cost` tokens from `key`'s bucket: nil, or the seconds to wait when it holds fewer.
    func wait(for key: String, cost: Double = 1) -> Int? {
        guard perSecond > 0 else { return nil }
        let now = clock.now
        let wait: Double = buckets.withLock { buckets in
            if buckets.count > 100_000 { buckets = buckets.filter { $0.value.tokens + (now - $0.value.updated) * perSecond < burst } }
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * perSecond)
            bucket.updated = now
            defer { buckets[key] = bucket }
            guard bucket.tokens >= cost else { return (cost - bucket.tokens) / perSecond }
            bucket.tokens -= cost
            return 0
        }
        return wait > 0 ? Int(wait.rounded(.up)) : nil
    }
}

/// 429 with `Retry-After`.
struct RateLimited: Error, ResponseError {
    let retryAfter: Int

    func response(style: ErrorStyle) -> HTTPResponse {
        var response = HTTPResponse.problem(.tooManyRequests, title: "Too Many Requests", detail: "slow down and retry after the given delay")
        response.headers.replaceOrAdd(name: "Retry-After", value: String(retryAfter))
        return response
    }
}

/// The per-address limit, by client address (an IPv4 address, an IPv6 /64), on every request
/// that costs more than CPU: those of routes that reach the store or hash passwords, whatever
/// the method. Routes answered on the event loop (verify, metadata) are free: gateways call them
/// at high rates. An OAuth request that carries client credentials passes through: the endpoint
/// charges the client's own bucket once the client has authenticated, or this bucket if it has
/// not (`ClientAdmission`), so a service's login endpoint is not limited like one anonymous user.
public struct RateLimitMiddleware: Middleware {
    let addresses: RateLimiter
    /// The routes that cost only CPU (`Router.eventLoopRoutes`).
    let freeRoutes: Set<Router.Key>

    public init(addresses: RateLimiter, freeRoutes: Set<Router.Key>) {
        self.addresses = addresses
        self.freeRoutes = freeRoutes
    }

    public func handle(_ request: HTTPRequest, context: inout RequestContext, next: Next) -> Dispatch {
        let route = Router.Key(method: request.method == .HEAD ? .GET : request.method, path: request.path)
        guard request.method != .OPTIONS, !freeRoutes.contains(route) else { return next(request, &context) }
        if ClientAdmission.carriesClientCredentials(request) {
            context.addressLimitDeferred = true
            return next(request, &context)
        }
        if let wait = addresses.wait(for: IPAddress.limitKey(for: request.remoteIP)) {
            return .ready(RateLimited(retryAfter: wait).response(style: .problem))
        }
        return next(request, &context)
    }
}

/// Which bucket an OAuth request is charged to, decided after client authentication: an
/// authenticated confidential client's own (generous) bucket, or the per-address bucket for
/// anyone else (a public client, a failed authentication, a malformed request).
struct ClientAdmission: Sendable {
    let addresses: RateLimiter?
    let clients: RateLimiter?

    /// Whether the request says it authenticates a confidential client: HTTP Basic, or a
    /// `client_secret` in a form body. Claiming is cheap; the endpoint verifies it before
    /// charging the client's bucket, and charges the address otherwise.
    static func carriesClientCredentials(_ request: HTTPRequest) -> Bool {
        // Only the endpoints that authenticate clients and charge the bucket themselves
        // (`Endpoints.admitted`); the hosted pages are charged to the address like any route.
        guard clientAuthenticatingPaths.contains(request.path) else { return false }
        if let authorization = request.headers.first(name: "authorization"), BasicCredentials.isBasic(authorization) { return true }
        // A form parameter named exactly client_secret: at the start or after "&".
        let name = Array("client_secret=".utf8)
        return request.body.starts(with: name) || request.body.firstRange(of: [UInt8(ascii: "&")] + name) != nil
    }

    static let clientAuthenticatingPaths: Set = ["/oauth/token", "/oauth/revoke", "/oauth/introspect"]

    /// Refuses a deferred request at once when its address has no token left, before any
    /// client lookup or secret check runs; an authenticated confidential client's own requests
    /// never spend that bucket, so they pass.
    func precheck(_ request: HTTPRequest, _ context: RequestContext) throws {
        guard context.addressLimitDeferred, let wait = addresses?.peek(IPAddress.limitKey(for: request.remoteIP)) else { return }
        throw RateLimited(retryAfter: wait)
    }

    /// Charges the address bucket if the middleware left it to the endpoint.
    func chargeAddress(_ request: HTTPRequest, _ context: RequestContext) throws {
        guard context.addressLimitDeferred else { return }
        try addresses?.take(IPAddress.limitKey(for: request.remoteIP))
    }

    /// Charges `client`'s bucket when it is confidential (it has authenticated), the address
    /// bucket otherwise; `cost` is what the request weighs in the client's bucket.
    func charge(_ client: OAuthClient, _ request: HTTPRequest, _ context: RequestContext, cost: Double = 1) throws {
        guard client.kind == .confidential else { return try chargeAddress(request, context) }
        try clients?.take(client.id, cost: cost)
    }

    /// What an introspection weighs in its client's bucket: an access token is answered from
    /// memory, so a gateway may introspect every request it serves (128 times the rate of the
    /// requests that write to the store) while a client's token and revocation requests keep
    /// their limit. A power of two, so that costs add up exactly.
    static let introspectionCost = 1.0 / 128
}
