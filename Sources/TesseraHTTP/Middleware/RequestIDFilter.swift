import Synchronization
import TesseraCrypto
import TesseraJWT

/// Keeps a sane incoming `X-Request-Id` (1-128 characters of `A-Z a-z 0-9 . _ -`), otherwise
/// makes one, and echoes it on the response. Made ids are a random per-process prefix and a
/// counter: unique, cheap, and not secret (they are for correlating logs).
public final class RequestIDFilter: RequestFilter {
    private let prefix = Base64URL.encode((try? SecureRandom.bytes(count: 6)) ?? [])
    private let counter = Atomic<Int>(0)

    public init() {}

    public func before(_ request: inout HTTPRequest) -> HTTPResponse? {
        if let incoming = request.headers.first(name: "x-request-id"), (1...128).contains(incoming.utf8.count),
            incoming.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D })
        {
            request.requestID = incoming
        } else {
            request.requestID = "\(prefix)-\(String(counter.add(1, ordering: .relaxed).newValue, radix: 36))"
        }
        return nil
    }

    public func after(_ request: HTTPRequest, _ response: inout HTTPResponse) {
        response.headers.add(name: "X-Request-Id", value: request.requestID)
    }
}
