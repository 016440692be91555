import NIOHTTP1
import Synchronization
import TesseraCrypto
import TesseraJWT

/// Keeps a sane incoming `X-Request-Id` (1-128 characters of `A-Z a-z 0-9 . _ -`), otherwise
/// makes one, and echoes it on the response. Made ids are a random per-process prefix and a
/// counter: unique, cheap, and not secret (they are for correlating logs).
public final class RequestIDMiddleware: Middleware {
    private let prefix = Base64URL.encode((try? SecureRandom.bytes(count: 6)) ?? [])
    private let counter = Atomic<Int>(0)

    public init() {}

    public func handle(_ request: HTTPRequest, context: inout RequestContext, next: Next) -> Dispatch {
        if let incoming = request.headers.first(name: "x-request-id"), (1...128).contains(incoming.utf8.count),
            incoming.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D })
        {
            context.requestID = incoming
        } else {
            context.requestID = "\(prefix)-\(String(counter.add(1, ordering: .relaxed).newValue, radix: 36))"
        }
        let id = context.requestID
        return next(request, &context).map { response in
            var response = response
            response.headers.add(name: "X-Request-Id", value: id)
            return response
        }
    }
}
