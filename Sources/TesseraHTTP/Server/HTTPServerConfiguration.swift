import TesseraAuth

/// Where the server listens and the limits that keep hostile clients from holding it.
public struct HTTPServerConfiguration: Sendable {
    /// Addresses to bind: IPv4 and/or IPv6 (`127.0.0.1`, `::1`, `0.0.0.0`, `::`).
    public var hosts: [String] = ["127.0.0.1"]
    /// Port; 0 picks a free one (tests).
    public var port = 8080
    /// Request line plus headers, in bytes; beyond it 431.
    public var maximumHeaderBytes = 16 * 1024
    /// Request body, in bytes; beyond it 413.
    public var maximumBodyBytes = 64 * 1024
    /// Open connections; at the limit the connection idle the longest is closed to make room,
    /// and a new one is refused only when none is idle.
    public var maximumConnections = 1024
    /// Open connections from one client address (an IPv4 address, an IPv6 /64); more are
    /// closed as soon as they are accepted.
    public var maximumConnectionsPerAddress = 64
    /// Peers exempt from the per-address limit: the trusted proxies, whose clients all share
    /// their address.
    public var exemptAddresses: [IPNetwork] = []
    /// At the connection limit, only a connection idle at least this long is closed to make room.
    public var minimumIdleBeforeReclaim: Duration = .seconds(2)
    /// A keep-alive connection with no request in progress and no traffic this long is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// A request must arrive completely within this time of its first byte, or 408 and close
    /// (slowloris).
    public var readTimeout: Duration = .seconds(10)
    /// In-flight requests get this long to finish at shutdown.
    public var shutdownGrace: Duration = .seconds(10)

    public init() {}
}
