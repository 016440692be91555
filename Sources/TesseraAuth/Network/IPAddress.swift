import Foundation

/// An IPv4 or IPv6 address, parsed strictly (`inet_pton`), kept as 16 bytes with IPv4 mapped
/// into `::ffff:0:0/96` so that one comparison serves both families.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address in network order; IPv4 as an IPv4-mapped IPv6 address.
    public let bytes: [UInt8]

    /// Parses `192.0.2.1`, `2001:db8::1` or `[2001:db8::1]`; nil for anything else (host names,
    /// ports, zone ids, "unknown").
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = Self.mappedPrefix + withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    private static let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]

    public var isIPv4: Bool { bytes.starts(with: Self.mappedPrefix) }

    /// `0.0.0.0` or `::` (in any spelling, the IPv4-mapped one included): "every interface"
    /// when bound.
    public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } || bytes == Self.mappedPrefix + [0, 0, 0, 0] }

    public var description: String {
        if isIPv4 { return bytes[12...].map(String.init).joined(separator: ".") }
        var v6 = in6_addr()
        withUnsafeMutableBytes(of: &v6) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(cString: buffer)
    }

    /// What per-address limits count under: the whole address for IPv4 (/32), the /64 for IPv6,
    /// since one IPv6 host usually holds a whole /64 and could otherwise rotate through it.
    public var limitKey: String {
        guard !isIPv4 else { return description }
        return IPAddress(bytes: Array(bytes[..<8]) + Array(repeating: 0, count: 8)).description + "/64"
    }

    /// The key per-address limits use for `text`: its `limitKey`, or the text itself when it is
    /// not an address (such a request never came from a socket).
    public static func limitKey(for text: String) -> String { IPAddress(text)?.limitKey ?? text }

    private init(bytes: [UInt8]) { self.bytes = bytes }
}

/// A CIDR block (`10.0.0.0/8`, `2001:db8::/32`; a bare address is a /32 or /128).
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    let base: IPAddress
    /// Prefix length in the 128-bit space (an IPv4 /8 is 104).
    let prefixBits: Int

    /// Parses a CIDR block; nil for a malformed one or host bits set past the prefix.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let width = address.isIPv4 ? 32 : 128
        var length = width
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...width).contains(given), parts[1].allSatisfy(\.isNumber) else { return nil }
            length = given
        }
        base = address
        prefixBits = length + (address.isIPv4 ? 96 : 0)
        guard Self.isNetworkAddress(address, bits: prefixBits) else { return nil }
    }

    public func contains(_ address: IPAddress) -> Bool { Self.matches(address, base, bits: prefixBits) }

    public var description: String {
        "\(base)/\(base.isIPv4 ? prefixBits - 96 : prefixBits)"
    }

    private static func matches(_ a: IPAddress, _ b: IPAddress, bits: Int) -> Bool {
        for index in 0..<16 {
            let remaining = bits - index * 8
            guard remaining > 0 else { return true }
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if a.bytes[index] & mask != b.bytes[index] & mask { return false }
        }
        return true
    }

    /// Whether no bit past the prefix is set (so `10.0.0.1/8` is refused as a typo).
    private static func isNetworkAddress(_ a: IPAddress, bits: Int) -> Bool {
        (0..<16).allSatisfy { index in
            let remaining = bits - index * 8
            if remaining >= 8 { return true }
            let mask: UInt8 = remaining <= 0 ? 0xFF : 0xFF >> UInt8(remaining)
            return a.bytes[index] & mask == 0
        }
    }
}
