import NIOHTTP1
import Synchronization
import TesseraCrypto
import TesseraJWT

/// Makes request ids: a random per-process prefix and a counter. Unique, cheap, and not secret
/// (they are for correlating logs). One generator serves the middleware and the connection
/// handlers' own answers (408, 413, 431), so every response carries an id.
public final class RequestIDGenerator: Sendable {
    private let prefix = Base64URL.encode((try? SecureRandom.bytes(count: 6)) ?? [])
    private let counter = Atomic<Int>(0)

    public init() {}

    /// A new id.
    public func next() -> String { "\(prefix)-\(String(counter.add(1, ordering: .relaxed).newValue, radix: 36))" }
}

/// Keeps a sane incoming `X-Request-Id` (1-128 characters of `A-Z a-z 0-9 . _ -`), otherwise
/// makes one, and echoes it on the response.
public struct RequestIDMiddleware: Middleware {
    let ids: RequestIDGenerator

    public init(ids: RequestIDGenerator = RequestIDGenerator()) { self.ids = ids }

    public func handle(_ request: HTTPRequest, context: inout RequestContext, next: Next) -> Dispatch {
        if let incoming = request.headers.first(name: "x-request-id"), (1...128).contains(incoming.utf8.count),
            incoming.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D })
        {
            context.requestID = incoming
        } else {
            context.requestID = ids.next()
        }
        let id = context.requestID
        return next(request, &context).map { response in
            var response = response
            response.headers.add(name: "X-Request-Id", value: id)
            return response
        }
    }
}
