import Configuration
import TesseraAuth

/// The `http` section: where `tessera serve` listens and what its HTTP front allows.
public struct HTTPConfiguration: ConfigurationSection {
    public static let section = "http"
    public static let defaults: [String: ConfigValue] = [
        "hosts": .init(.stringArray(["127.0.0.1"]), isSecret: false),
        "port": 8080,
        "threads": 0,
        "cors_origins": .init(.stringArray([]), isSecret: false),
        "login_client_id": "",
        "signup": false,
        "rate_limit_burst": 20,
        "rate_limit_per_second": 10,
        "client_rate_limit_burst": 500,
        "client_rate_limit_per_second": 200,
        "max_connections_per_ip": 64,
        "trusted_proxies": .init(.stringArray([]), isSecret: false),
        "forwarded_header": "x-forwarded-for",
        "metrics_address": "",
        "metrics_scope": "tessera:metrics",
        "access_log": "logfmt",
    ]

    /// `http.hosts`, `http.port` (0 picks a free port) and `http.max_connections_per_ip`
    /// (trusted proxies exempt), with the built-in connection limits.
    public var server = HTTPServerConfiguration()
    /// `http.threads`: event loop threads; 0 means one per core.
    public var threads: Int
    /// `http.cors_origins`: browser origins allowed to call, exact match; they may also make
    /// cookie-authenticated changes.
    public var corsOrigins: Set<String>
    /// `http.login_client_id`: the public client `/v1/login` uses when the request names none.
    public var loginClientID: String?
    /// `http.signup`: whether `POST /v1/signup` is open to anyone.
    public var signupEnabled: Bool
    /// `http.rate_limit_burst` and `http.rate_limit_per_second`: requests per client address to
    /// routes that reach the store or hash passwords, a burst then a rate; 0 turns the limit off.
    public var rateLimitBurst: Int
    public var rateLimitPerSecond: Int
    /// `http.client_rate_limit_burst` and `http.client_rate_limit_per_second`: OAuth requests of
    /// an authenticated confidential client (a service's login backend, a gateway) count against
    /// the client's own bucket instead of its address's; a rate of 0 turns that limit off.
    public var clientRateLimitBurst: Int
    public var clientRateLimitPerSecond: Int
    /// `http.trusted_proxies`: CIDR blocks of the reverse proxies in front; only from them is
    /// the client address read from `http.forwarded_header` (`x-forwarded-for` or `forwarded`).
    public var trustedProxies: [IPNetwork]
    public var forwardedHeader: ClientAddressMiddleware.Header
    /// `http.metrics_address` (`host:port`, IPv6 in brackets): a separate listener that answers
    /// only `GET /metrics`, without authentication, for a scraper on a private interface
    /// (`127.0.0.1:9464`). Nil (the default, an empty value) serves `/metrics` on the main
    /// listener to bearer tokens carrying `metricsScope` instead.
    public var metricsListener: HTTPServerConfiguration?
    /// `http.metrics_scope`: the scope `/metrics` on the main listener requires (a restricted
    /// scope: `TesseraConfiguration` checks it against `auth.scope_roles`).
    public var metricsScope: String
    /// `http.access_log`: the format of the access log lines (`logfmt`, `json`), or nil for
    /// `off`.
    public var accessLog: AccessLog.Format?

    public init(reader: ConfigReader) throws {
        server.hosts = try reader.requiredStringArray(forKey: "hosts")
        server.port = try reader.requiredInt(forKey: "port")
        threads = try reader.requiredInt(forKey: "threads")
        corsOrigins = Set(try reader.requiredStringArray(forKey: "cors_origins"))
        let login = try reader.requiredString(forKey: "login_client_id")
        loginClientID = login.isEmpty ? nil : login
        signupEnabled = try reader.requiredBool(forKey: "signup")
        rateLimitBurst = try reader.requiredInt(forKey: "rate_limit_burst")
        rateLimitPerSecond = try reader.requiredInt(forKey: "rate_limit_per_second")
        clientRateLimitBurst = try reader.requiredInt(forKey: "client_rate_limit_burst")
        clientRateLimitPerSecond = try reader.requiredInt(forKey: "client_rate_limit_per_second")
        trustedProxies = try reader.requiredStringArray(forKey: "trusted_proxies").map { text in
            guard let network = IPNetwork(text) else {
                throw InvalidConfiguration("http.trusted_proxies entries are addresses or CIDR blocks without host bits (10.0.0.0/8), not \(text)")
            }
            return network
        }
        let header = try reader.requiredString(forKey: "forwarded_header")
        guard let forwardedHeader = ClientAddressMiddleware.Header(rawValue: header.lowercased()) else {
            throw InvalidConfiguration("http.forwarded_header must be x-forwarded-for or forwarded, not \(header)")
        }
        self.forwardedHeader = forwardedHeader
        metricsScope = try reader.requiredString(forKey: "metrics_scope")
        let accessLog = try reader.requiredString(forKey: "access_log")
        guard accessLog == "off" || AccessLog.Format(rawValue: accessLog) != nil else {
            throw InvalidConfiguration("http.access_log must be logfmt, json or off, not \(accessLog)")
        }
        self.accessLog = AccessLog.Format(rawValue: accessLog)
        let metricsAddress = try reader.requiredString(forKey: "metrics_address")
        if !metricsAddress.isEmpty {
            // Unauthenticated metrics belong on one private interface: never every interface,
            // never a port chosen at random.
            guard let (host, port) = Self.hostAndPort(metricsAddress), !(IPAddress(host)?.isUnspecified ?? true), port != 0 else {
                throw InvalidConfiguration(
                    "http.metrics_address must be IP:PORT of one interface with a fixed port (127.0.0.1:9464, [::1]:9464), not \(metricsAddress)")
            }
            var listener = HTTPServerConfiguration()
            listener.hosts = [host]
            listener.port = port
            metricsListener = listener
        }
        server.maximumConnectionsPerAddress = try reader.requiredInt(forKey: "max_connections_per_ip")
        server.exemptAddresses = trustedProxies
        try InvalidConfiguration.require(
            (1...server.maximumConnections).contains(server.maximumConnectionsPerAddress),
            "http.max_connections_per_ip must be between 1 and \(server.maximumConnections)")
        try InvalidConfiguration.require(!server.hosts.isEmpty, "http.hosts must name at least one address")
        try InvalidConfiguration.require((0...65535).contains(server.port), "http.port must be 0-65535")
        try InvalidConfiguration.require((0...256).contains(threads), "http.threads must be 0-256 (0: one per core)")
        try InvalidConfiguration.require(
            rateLimitBurst >= 1 && rateLimitPerSecond >= 0,
            "http.rate_limit_burst must be at least 1 and http.rate_limit_per_second at least 0")
        try InvalidConfiguration.require(
            clientRateLimitBurst >= 1 && clientRateLimitPerSecond >= 0,
            "http.client_rate_limit_burst must be at least 1 and http.client_rate_limit_per_second at least 0")
    }

    /// `127.0.0.1:9464` or `[::1]:9464`: an IP address literal and a port 0-65535.
    static func hostAndPort(_ text: String) -> (String, Int)? {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            (host, port) = (parts[0], parts[1])
        }
        guard IPAddress(String(host)) != nil, port.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(port), (0...65535).contains(number) else {
            return nil
        }
        return (String(host), number)
    }
}
