import Configuration
import Foundation
import NIOHTTP1
import TesseraAuth
import TesseraHTTP
import TesseraJWT
import TesseraServer
import Testing

/// Addresses, CIDR blocks and the client address behind trusted proxies: every way a client
/// could choose its own address is refused.
@Suite("HTTP: client address behind proxies")
struct ClientAddressTests {
    @Test("addresses parse strictly; IPv4 is grouped by /32 and IPv6 by /64")
    func addresses() {
        #expect(IPAddress("192.0.2.1")?.description == "192.0.2.1")
        #expect(IPAddress("[2001:db8::1]")?.description == "2001:db8::1")
        #expect(IPAddress("::ffff:192.0.2.1") == IPAddress("192.0.2.1"))
        for junk in ["", "unknown", "_hidden", "192.0.2.1:80", "192.0.2", "2001:db8::1%eth0", "host.example", "1.2.3.4.5", " 192.0.2.1"] {
            #expect(IPAddress(junk) == nil, "\(junk)")
        }
        #expect(IPAddress.limitKey(for: "192.0.2.1") == "192.0.2.1")
        #expect(IPAddress.limitKey(for: "2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(IPAddress.limitKey(for: "2001:db8:1:2:bbbb::9") == IPAddress.limitKey(for: "2001:db8:1:2::1"))
        #expect(IPAddress.limitKey(for: "2001:db8:1:3::1") != IPAddress.limitKey(for: "2001:db8:1:2::1"))
    }

    @Test("CIDR blocks: containment at the edges; host bits past the prefix and bad lengths are refused")
    func networks() throws {
        let ten = try #require(IPNetwork("10.0.0.0/8"))
        #expect(ten.contains(IPAddress("10.255.255.255")!) && !ten.contains(IPAddress("11.0.0.0")!))
        #expect(!ten.contains(IPAddress("::a00:1")!), "an IPv6 address is not in an IPv4 block")
        let v6 = try #require(IPNetwork("2001:db8::/32"))
        #expect(v6.contains(IPAddress("2001:db8:ffff::1")!) && !v6.contains(IPAddress("2001:db9::")!))
        #expect(IPNetwork("127.0.0.1")?.contains(IPAddress("127.0.0.1")!) == true)
        #expect(IPNetwork("127.0.0.1")?.contains(IPAddress("127.0.0.2")!) == false)
        #expect(IPNetwork("0.0.0.0/0")?.contains(IPAddress("203.0.113.9")!) == true)
        for bad in ["10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "2001:db8::/129", "2001:db8::1/64", "10.0.0.0/8x", "proxy"] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
    }

    static let proxies = [IPNetwork("10.0.0.0/8")!, IPNetwork("2001:db8:1::/48")!]

    @Test(
        "X-Forwarded-For: the right-most untrusted hop, read only from a trusted peer",
        arguments: [
            ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  // not a proxy: the header is ignored
            ("10.0.0.1", "198.51.100.1", "198.51.100.1"),
            ("10.0.0.1", "1.1.1.1, 198.51.100.1", "198.51.100.1"),  // the client's own entry is ignored
            ("10.0.0.1", "198.51.100.1, 10.0.0.2", "198.51.100.1"),  // through two proxies
            ("10.0.0.1", "198.51.100.1,10.0.0.3, 10.0.0.2", "198.51.100.1"),
            ("10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3"),  // every hop trusted: the left-most
            ("10.0.0.1", "198.51.100.1, unknown", "10.0.0.1"),  // junk next to the proxy: the proxy
            ("10.0.0.1", "", "10.0.0.1"),
            ("10.0.0.1", "198.51.100.1:4711", "198.51.100.1"),  // proxies that add the port
            ("10.0.0.1", "[2001:db8:2::7]:443", "2001:db8:2::7"),
            ("2001:db8:1::5", "2001:db8:2::7", "2001:db8:2::7"),
        ])
    func xForwardedFor(_ peer: String, _ header: String, _ expected: String) {
        let middleware = ClientAddressMiddleware(trustedProxies: Self.proxies, header: .xForwardedFor)
        var headers = HTTPHeaders()
        if !header.isEmpty { headers.add(name: "X-Forwarded-For", value: header) }
        // A Forwarded header is not what these proxies write: it never counts.
        headers.add(name: "Forwarded", value: "for=192.0.2.66")
        #expect(Self.resolve(middleware, peer: peer, headers) == expected)
    }

    @Test(
        "Forwarded (RFC 7239): for= in any accepted form, right-most untrusted element; X-Forwarded-For never counts",
        arguments: [
            ("10.0.0.1", #"for=198.51.100.1;proto=https"#, "198.51.100.1"),
            ("10.0.0.1", #"for="[2001:db8:cafe::17]:4711""#, "2001:db8:cafe::17"),
            ("10.0.0.1", #"for="198.51.100.1:8443", for=10.0.0.2"#, "198.51.100.1"),
            ("10.0.0.1", #"For=192.0.2.60, for=198.51.100.1;by=10.0.0.1"#, "198.51.100.1"),
            ("10.0.0.1", #"for=_hidden"#, "10.0.0.1"),
            ("10.0.0.1", #"proto=https"#, "10.0.0.1"),
            ("203.0.113.9", #"for=198.51.100.1"#, "203.0.113.9"),
        ])
    func forwarded(_ peer: String, _ header: String, _ expected: String) {
        let middleware = ClientAddressMiddleware(trustedProxies: Self.proxies, header: .forwarded)
        let headers = HTTPHeaders([("Forwarded", header), ("X-Forwarded-For", "192.0.2.66")])
        #expect(Self.resolve(middleware, peer: peer, headers) == expected)
    }

    static func resolve(_ middleware: ClientAddressMiddleware, peer: String, _ headers: HTTPHeaders) -> String {
        var context = RequestContext()
        var seen = ""
        _ = middleware.handle(HTTPRequest(method: .GET, uri: "/", headers: headers, remoteIP: peer), context: &context) { request, _ in
            seen = request.remoteIP
            return .ready(HTTPResponse(status: .ok))
        }
        return seen
    }

    @Test("rate limits: clients behind a trusted proxy get their own buckets; a forged X-Forwarded-For from elsewhere does not")
    func bucketsBehindAProxy() async throws {
        let values: [AbsoluteConfigKey: ConfigValue] = [
            "http.trusted_proxies": .init(.stringArray(["10.0.0.0/8"]), isSecret: false), "http.rate_limit_burst": 2,
            "http.rate_limit_per_second": 1,
        ]
        try await withApp(values) { h in
            func post(from peer: String, forwardedFor: String) async -> HTTPResponseStatus {
                await h.send(.POST, "/v1/logout", headers: [("X-Forwarded-For", forwardedFor)], ip: peer).status
            }
            // Two clients through one proxy: two buckets of two.
            for client in ["198.51.100.1", "198.51.100.2"] {
                #expect(await post(from: "10.0.0.1", forwardedFor: client) != .tooManyRequests)
                #expect(await post(from: "10.0.0.1", forwardedFor: client) != .tooManyRequests)
                #expect(await post(from: "10.0.0.1", forwardedFor: client) == .tooManyRequests)
            }
            // Straight to the service, a new forged address per request changes nothing.
            #expect(await post(from: "203.0.113.9", forwardedFor: "192.0.2.1") != .tooManyRequests)
            #expect(await post(from: "203.0.113.9", forwardedFor: "192.0.2.2") != .tooManyRequests)
            #expect(await post(from: "203.0.113.9", forwardedFor: "192.0.2.3") == .tooManyRequests)
            // One IPv6 /64 is one client.
            #expect(await post(from: "2001:db8:5:6::1", forwardedFor: "") != .tooManyRequests)
            #expect(await post(from: "2001:db8:5:6::2", forwardedFor: "") != .tooManyRequests)
            #expect(await post(from: "2001:db8:5:6:ffff::3", forwardedFor: "") == .tooManyRequests)
            #expect(await post(from: "2001:db8:5:7::1", forwardedFor: "") != .tooManyRequests)
        }
    }

    @Test("http.trusted_proxies and http.forwarded_header refuse what they cannot use")
    func configuration() {
        for value in ["10.0.0.1/8", "proxy.example", "10.0.0.0/40"] {
            #expect(throws: InvalidConfiguration.self) {
                try TesseraConfiguration(values: ["http.trusted_proxies": .init(.stringArray([value]), isSecret: false)])
            }
        }
        #expect(throws: InvalidConfiguration.self) { try TesseraConfiguration(values: ["http.forwarded_header": "x-real-ip"]) }
    }
}
