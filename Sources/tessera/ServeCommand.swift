import ArgumentParser
import Configuration
import Foundation
import Logging
import NIOPosix
import Metrics
import Prometheus
import ServiceLifecycle
import TesseraAuth
import TesseraHTTP
import TesseraJWT

/// `tessera serve`: the HTTP service.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP service (creates the key ring and schema when missing). SIGTERM or SIGINT stops it gracefully.")

    @OptionGroup var config: ConfigOptions
    @Option(help: "Address to bind; repeat for several, e.g. 127.0.0.1 and ::1 (default: http.hosts).") var host: [String] = []
    @Option(help: "Port (default: http.port, 8080; 0 picks a free one).") var port: Int?

    func run() async throws {
        var overrides: [AbsoluteConfigKey: ConfigValue] = [:]
        if !host.isEmpty { overrides["http.hosts"] = .init(.stringArray(host), isSecret: false) }
        if let port { overrides["http.port"] = .init(.int(port), isSecret: false) }
        let settings = try await config.settings(overrides)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
            return handler
        }
        let logger = Logger(label: "tessera")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let ring = try ensureKeyRing(settings, logger: logger)
        let store = try await settings.openStore()
        let tokens = try TokenService(store: store, keyRing: ring, policy: settings.authPolicy, hasher: settings.passwordHasher)
        let accounts = AccountService(tokens: tokens)
        try await tokens.prepare()
        if try await accounts.users(after: nil, limit: 1).isEmpty {
            logger.notice("no users yet: add one with `tessera user add NAME` (password on stdin) and a client with `tessera client add web --public`; then POST /oauth/token or /v1/login")
        }
        var endpointSettings = Endpoints.Settings(issuer: settings.issuer, verifyAudiences: Set(settings.audiences), loginClientID: settings.loginClientID)
        endpointSettings.signupEnabled = settings.signupEnabled
        endpointSettings.metricsText = { registry.emitToBuffer() }
        endpointSettings.trustedOrigins = Set(settings.corsOrigins)
        let endpoints = Endpoints(tokens: tokens, accounts: accounts, settings: endpointSettings, logger: logger)
        var filters: [any RequestFilter] = [
            RequestIDFilter(), AccessLogFilter(logger: logger), MetricsFilter(), CORSFilter(allowedOrigins: Set(settings.corsOrigins)),
        ]
        if settings.rateLimitPerSecond > 0 {
            filters.append(RateLimitFilter(burst: settings.rateLimitBurst, perSecond: Double(settings.rateLimitPerSecond)))
        }
        let application = HTTPApplication(router: Router(endpoints.routes), filters: filters)
        var serverConfiguration = HTTPServerConfiguration()
        serverConfiguration.hosts = settings.httpHosts
        serverConfiguration.port = settings.httpPort
        let group = settings.httpThreads == 0
            ? MultiThreadedEventLoopGroup.singleton : MultiThreadedEventLoopGroup(numberOfThreads: settings.httpThreads)
        let server = HTTPServer(application: application, configuration: serverConfiguration, logger: logger, group: group)
        let revocations = PeriodicTask(name: "revocation poll", interval: .seconds(settings.revocationPollSeconds), logger: logger) {
            try await tokens.refreshRevocations()
        }
        let pruning = PeriodicTask(name: "login attempt pruning", interval: .seconds(300), logger: logger) {
            try await tokens.pruneLoginAttempts()
        }
        let services = ServiceGroup(configuration: .init(
            services: [.init(service: revocations), .init(service: pruning), .init(service: server)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
        try? await store.close()
        logger.info("stopped")
    }

    /// The configured key ring; a first run with no key file creates one (mode 0600).
    private func ensureKeyRing(_ settings: Settings, logger: Logger) throws -> JWTKeyRing {
        if settings.inlineJWKS == nil, !FileManager.default.fileExists(atPath: settings.keysFile) {
            var ring = try JWTKeyRing(keys: [])
            let kid = try KeysCommand.Generate.defaultKid(now: Int(Date().timeIntervalSince1970))
            try asConfigurationError("cannot create the key ring") {
                try ring.add(JWTKey.generate(kid: kid, algorithm: .hs256, created: Int(Date().timeIntervalSince1970)))
                try ring.write(toFile: settings.keysFile)
            }
            logger.notice("created a new key ring", metadata: ["file": "\(settings.keysFile)", "kid": "\(kid)"])
        }
        let ring = try settings.loadKeyRing()
        guard ring.signingKey != nil else { throw CLIError.usage("the key ring has no active signing key; run `tessera keys rotate`") }
        return ring
    }
}

/// Runs `work` now and then every `interval` until shutdown; a failure is logged and retried
/// at the next tick.
struct PeriodicTask: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let work: @Sendable () async throws -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await work()
                } catch {
                    logger.warning("\(name) failed; retrying", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
