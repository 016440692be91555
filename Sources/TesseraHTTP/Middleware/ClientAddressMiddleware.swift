import NIOHTTP1
import TesseraAuth

/// Behind a TLS-terminating proxy every connection comes from the proxy. When the TCP peer is a
/// trusted proxy (`http.trusted_proxies`), the client's address is read from the header that
/// proxy writes (`http.forwarded_header`: `X-Forwarded-For`, or `Forwarded` per RFC 7239): the
/// right-most hop that is not itself a trusted proxy, since hops further left were written by
/// whoever sent the request. From any other peer those headers are ignored. Rate limits,
/// throttling and audit records then see the client, in `request.remoteIP`.
///
/// Only one header is read: a proxy that writes one passes the other through unchanged, so
/// reading both would let a client choose its own address.
public struct ClientAddressMiddleware: Middleware {
    /// Which header the trusted proxies write.
    public enum Header: String, Sendable, CaseIterable {
        case xForwardedFor = "x-forwarded-for"
        case forwarded
    }

    let trustedProxies: [IPNetwork]
    let header: Header

    public init(trustedProxies: [IPNetwork], header: Header) {
        self.trustedProxies = trustedProxies
        self.header = header
    }

    public func handle(_ request: HTTPRequest, context: inout RequestContext, next: Next) -> Dispatch {
        guard let peer = IPAddress(request.remoteIP), isTrusted(peer) else { return next(request, &context) }
        var request = request
        request.remoteIP = clientAddress(behind: peer, headers: request.headers)
        return next(request, &context)
    }

    /// The right-most untrusted hop; the left-most hop when every hop is trusted; the nearest
    /// trusted hop when the next one to the left is not an address (`unknown`, obfuscated, junk).
    func clientAddress(behind peer: IPAddress, headers: HTTPHeaders) -> String {
        var current = peer
        for hop in hops(headers).reversed() {
            guard let address = IPAddress(hop) else { break }
            current = address
            if !isTrusted(address) { break }
        }
        return current.description
    }

    private func isTrusted(_ address: IPAddress) -> Bool { trustedProxies.contains { $0.contains(address) } }

    /// The hops the header lists, client-most first, across repeated header lines.
    private func hops(_ headers: HTTPHeaders) -> [Substring] {
        let values = headers[canonicalForm: header.rawValue]
        switch header {
        case .xForwardedFor:
            // Some proxies add the port: 192.0.2.1:4711, [2001:db8::1]:4711.
            return values.map(Self.address)
        case .forwarded:
            // forwarded-element = pairs separated by ";"; the node of "for", quoted or not.
            return values.map { element in
                let pair = element.split(separator: ";").map(Self.trimmed).first { $0.lowercased().hasPrefix("for=") }
                guard let pair else { return "" }
                var node = pair.dropFirst(4)
                if node.hasPrefix("\""), node.hasSuffix("\""), node.count >= 2 { node = node.dropFirst().dropLast() }
                return Self.address(node)
            }
        }
    }

    /// The address of a node: an IPv4 address with an optional port, a bracketed IPv6 address
    /// with an optional port, or a bare IPv6 address.
    private static func address(_ node: Substring) -> Substring {
        if node.hasPrefix("["), let close = node.firstIndex(of: "]") { return node[node.index(after: node.startIndex)..<close] }
        if node.filter({ $0 == ":" }).count == 1, let colon = node.firstIndex(of: ":") { return node[..<colon] }
        return node
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var text = text
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
