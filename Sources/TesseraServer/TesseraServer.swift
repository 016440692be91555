import Foundation
import Logging
import NIOPosix
import Prometheus
import ServiceLifecycle
import TesseraAuth
import TesseraHTTP
import TesseraJWT

/// The one composition root: everything `tessera serve` runs, built from a configuration.
/// `tessera serve` and the HTTP tests both build it here, so what is tested is what runs.
public struct TesseraServer: Service {
    public let configuration: TesseraConfiguration
    public let store: any AuthStore
    public let tokens: TokenService
    public let accounts: AccountService
    /// The routes behind the middleware chain, drivable without sockets.
    public let application: HTTPApplication
    public let http: HTTPServer
    /// The store's connection pool, when it has one; it must outlive everything else.
    let storeService: (any Service)?
    let background: [PeriodicTask]
    let logger: Logger

    /// Builds the server: the key ring (created on first start when the key file is missing),
    /// the store (not yet migrated: `run()` does that), the services, the HTTP application and
    /// listener, and the periodic tasks. `metrics` backs `GET /metrics` when given; `clock` is
    /// the time every part reads (tests fix it).
    public static func build(configuration: TesseraConfiguration, logger: Logger, metrics: PrometheusCollectorRegistry? = nil,
                             clock: JWTClock = .system, hashingPool: PasswordHashingPool = PasswordHashingPool()) async throws -> TesseraServer {
        let ring = try configuration.ensureKeyRing(logger: logger, now: Int(clock.now))
        let opened = try await configuration.openStore(clock: { Int64(clock.now) })
        let tokens = try TokenService(store: opened.store, keyRing: ring, policy: AuthPolicy(issuer: configuration.issuer, token: configuration.token),
                                      hasher: configuration.password.hasher, hashingPool: hashingPool, clock: clock)
        let accounts = AccountService(tokens: tokens)
        var metricsText: (@Sendable () -> [UInt8])?
        if let metrics { metricsText = { metrics.emitToBuffer() } }
        let settings = Endpoints.Settings(issuer: configuration.issuer, verifyAudiences: Set(configuration.token.audiences),
                                          http: configuration.http, metricsText: metricsText)
        let endpoints = Endpoints(tokens: tokens, accounts: accounts, settings: settings, logger: logger)
        let application = HTTPApplication(endpoints: endpoints, http: configuration.http, logger: logger, now: { clock.now })
        let threads = configuration.http.threads
        let group = threads == 0 ? MultiThreadedEventLoopGroup.singleton : MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let http = HTTPServer(application: application, configuration: configuration.http.server, logger: logger, group: group)
        let background = [
            PeriodicTask(name: "revocation poll", interval: .seconds(configuration.revocationPollSeconds), logger: logger) {
                try await tokens.refreshRevocations()
            },
            PeriodicTask(name: "login attempt pruning", interval: .seconds(300), logger: logger) {
                try await tokens.pruneLoginAttempts()
            },
        ]
        return TesseraServer(configuration: configuration, store: opened.store, tokens: tokens, accounts: accounts, application: application,
                             http: http, storeService: opened.service, background: background, logger: logger)
    }

    /// Brings the store to the current schema and readies the services: the stand-in password
    /// hash and the revocation view. `run()` calls it; tests that need no listener call it alone.
    public func prepare() async throws {
        try await store.migrate()
        try await tokens.prepare()
        if try await accounts.users(after: nil, limit: 1).isEmpty {
            logger.notice("no users yet: add one with `tessera user add NAME` (password on stdin) and a client with `tessera client add web --public`; then POST /oauth/token or /v1/login")
        }
    }

    /// Prepares, then serves HTTP and runs the periodic tasks until graceful shutdown.
    public func run() async throws {
        try await prepare()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await http.run() }
            for task in background { group.addTask { try await task.run() } }
        }
    }

    /// The whole process: the store's connections and this server in one `ServiceGroup`, which
    /// SIGTERM or SIGINT shuts down gracefully (in-flight requests finish, then the store closes).
    public func runUntilSignalled() async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let storeService { services.append(.init(service: storeService)) }
        services.append(.init(service: self))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? await store.close()
        logger.info("stopped")
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
