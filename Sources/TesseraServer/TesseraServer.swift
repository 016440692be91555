import Foundation
import Logging
import NIOPosix
import Prometheus
import ServiceLifecycle
import TesseraAuth
import TesseraHTTP
import TesseraJWT
import UnixSignals

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
    let background: [any Service]
    let logger: Logger

    /// Builds the server: the key ring (created on first start when the key file is missing),
    /// the store (not yet migrated: `run()` does that), the services, the HTTP application and
    /// listener, and the periodic tasks. `metrics` backs `GET /metrics` when given; `clock` is
    /// the time every part reads (tests fix it).
    public static func build(
        configuration: TesseraConfiguration, logger: Logger, metrics: PrometheusCollectorRegistry? = nil,
        clock: JWTClock = .system, hashingPool: PasswordHashingPool = PasswordHashingPool()
    ) async throws -> TesseraServer {
        let ring = try configuration.ensureKeyRing(logger: logger, now: Int(clock.now))
        let opened = try await configuration.openStore(clock: clock)
        let tokens = TokenService(
            store: opened.store, keyRing: ring, policy: configuration.servicePolicy,
            hasher: configuration.password.hasher, hashingPool: hashingPool, clock: clock)
        let accounts = AccountService(tokens: tokens)
        var metricsText: (@Sendable () -> [UInt8])?
        if let metrics { metricsText = { metrics.emitToBuffer() } }
        let settings = Endpoints.Settings(
            issuer: configuration.issuer, verifyAudiences: Set(configuration.token.audiences),
            http: configuration.http, metricsText: metricsText)
        let endpoints = Endpoints(tokens: tokens, accounts: accounts, settings: settings, logger: logger)
        let accessLog = configuration.http.accessLog.map { AccessLog(format: $0) }
        let application = HTTPApplication(endpoints: endpoints, http: configuration.http, accessLog: accessLog)
        let threads = configuration.http.threads
        let group = threads == 0 ? MultiThreadedEventLoopGroup.singleton : MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let http = HTTPServer(application: application, configuration: configuration.http.server, logger: logger, group: group)
        var background: [any Service] = [
            PeriodicTask(name: "revocation poll", interval: .seconds(configuration.revocationPollSeconds), logger: logger) {
                try await tokens.sessions.refreshRevocations()
            },
            PeriodicTask(name: "key usage", interval: .seconds(30), logger: logger, atShutdown: true) {
                try await tokens.accessTokens.keyUsage.flush(to: opened.store)
            },
            PeriodicTask(name: "login attempt pruning", interval: .seconds(300), logger: logger) {
                try await tokens.login.pruneAttempts()
            },
            PeriodicTask(name: "retention", interval: .seconds(3600), logger: logger) {
                let pruned = try await tokens.sessions.pruneExpired()
                logger.info(
                    "retention",
                    metadata: ["sessions": "\(pruned.sessions)", "refresh_tokens": "\(pruned.refreshTokens)", "audit_events": "\(pruned.auditEvents)"])
            },
        ]
        if let listener = configuration.http.metricsListener, let metricsText {
            let metricsOnly = HTTPApplication(router: Router(Endpoints.metricsListenerRoutes(metricsText)), middleware: [RequestIDMiddleware()])
            background.append(HTTPServer(application: metricsOnly, configuration: listener, logger: logger, group: group))
        }
        // Stopped after HTTP has drained (services stop in reverse order): the last lines are written.
        if let accessLog { background.insert(accessLog, at: 0) }
        background.append(
            KeyRingReloader(
                file: configuration.inlineJWKS == nil ? configuration.keysFile : nil, load: { try configuration.loadKeyRing() },
                accessTokens: tokens.accessTokens, interval: .seconds(5), logger: logger))
        return TesseraServer(
            configuration: configuration, store: opened.store, tokens: tokens, accounts: accounts, application: application,
            http: http, storeService: opened.service, background: background, logger: logger)
    }

    /// Brings the store to the current schema and readies the services: the stand-in password
    /// hash and the revocation view. `run()` calls it; tests that need no listener call it alone.
    public func prepare() async throws {
        if configuration.password.allowsWeakCost {
            logger.warning("password.allow_weak_cost is set: password hashes may be cheaper than the OWASP minimums; never in production")
        }
        try await store.migrate()
        try await tokens.login.prepare()
        // The revocation view is complete before the first request, not one poll later.
        try await tokens.sessions.refreshRevocations()
        let staleness = tokens.policy.revocationMaximumStaleness
        logger.info("revocation view loaded", metadata: ["when_stale": "\(staleness.map { "fail closed after \($0) s" } ?? "fail open")"])
        if try await accounts.users(after: nil, limit: 1).isEmpty {
            logger.notice(
                "no users yet: add one with `tessera user add NAME` (password on stdin) and a client: `tessera client add APP --redirect-uri URI` for the authorization code flow (Documentation/login.md), or `tessera client add web --public --grant password --grant refresh_token` for /oauth/token and /v1/login"
            )
        }
    }

    /// Prepares, then serves HTTP until graceful shutdown.
    public func run() async throws {
        try await prepare()
        try await http.run()
    }

    /// Everything to run, in start order: the store's pool first (it must outlive its users),
    /// then the periodic tasks, then this server. `ServiceGroup` stops them in reverse order, so
    /// HTTP drains while revocations are still polled and the store still answers.
    public var services: [any Service] {
        (storeService.map { [$0] } ?? []) + background + [self]
    }

    /// The whole process: `services` in one `ServiceGroup`, which SIGTERM or SIGINT shuts down
    /// gracefully (in-flight requests finish, then the tasks stop, then the store closes).
    public func runUntilSignalled() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? await store.close()
        logger.info("stopped")
    }
}

/// Runs `work` every `interval` until shutdown, starting one interval after start (the server
/// has done the first round in `prepare()`); a failure is logged and retried at the next tick.
struct PeriodicTask: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    /// Runs `work` once more at graceful shutdown, before the store closes.
    var atShutdown = false
    let work: @Sendable () async throws -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while (try? await Task.sleep(for: interval)) != nil { await runOnce() }
        }
        if atShutdown { await runOnce() }
    }

    private func runOnce() async {
        do {
            try await work()
        } catch {
            logger.warning("\(name) failed; retrying", metadata: ["error": "\(error)"])
        }
    }
}
