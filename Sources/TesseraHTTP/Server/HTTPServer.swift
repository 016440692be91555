import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The SwiftNIO HTTP/1.1 server: keep-alive, ordered pipelining, IPv4 and IPv6 listeners,
/// header/body/connection/idle/read limits, and graceful shutdown (stop accepting, let in-flight
/// requests finish within the grace period, then close).
public final class HTTPServer: Service, Sendable {
    let application: HTTPApplication
    let configuration: HTTPServerConfiguration
    let logger: Logger
    private let group: any EventLoopGroup
    private let quiesce: ServerQuiescingHelper
    private let channels = Mutex<[any Channel]>([])
    private let connections: ConnectionRegistry

    public init(
        application: HTTPApplication, configuration: HTTPServerConfiguration, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.application = application
        self.configuration = configuration
        self.logger = logger
        self.group = group
        quiesce = ServerQuiescingHelper(group: group)
        connections = ConnectionRegistry(
            maximumConnections: configuration.maximumConnections, maximumPerAddress: configuration.maximumConnectionsPerAddress,
            exempt: configuration.exemptAddresses, minimumIdle: configuration.minimumIdleBeforeReclaim)
    }

    /// Binds every configured address; returns the bound port (useful with port 0).
    @discardableResult
    public func start() async throws -> Int {
        var port = configuration.port
        for host in configuration.hosts {
            let channel = try await bootstrap().bind(host: host, port: port).get()
            port = channel.localAddress?.port ?? port
            channels.withLock { $0.append(channel) }
            logger.info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? host)"])
        }
        return port
    }

    /// Stops accepting, asks open connections to finish, and waits up to the grace period.
    public func shutdown() async throws {
        let promise = group.next().makePromise(of: Void.self)
        quiesce.initiateShutdown(promise: promise)
        let grace = configuration.shutdownGrace
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await promise.futureResult.get() }
            tasks.addTask {
                try await Task.sleep(for: grace)
                throw CancellationError()
            }
            defer { tasks.cancelAll() }
            do {
                try await tasks.next()
            } catch is CancellationError {
                self.logger.warning("shutdown grace period over; closing remaining connections")
            }
        }
    }

    /// Runs until graceful shutdown is requested (SIGTERM/SIGINT through ServiceLifecycle).
    public func run() async throws {
        try await start()
        try? await gracefulShutdown()
        logger.info("shutting down")
        try await shutdown()
    }

    private func bootstrap() -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { [quiesce] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try configureConnection(channel) }
            }
    }

    /// Sets up a newly accepted connection on its event loop: admission against the connection
    /// limits (a refused one is closed), timeouts, HTTP/1.1 parsing with pipelining, and the
    /// application. The listener calls it for every connection; a harness can call it on an
    /// `EmbeddedChannel` to drive the whole request path from raw bytes.
    public func configureConnection(_ channel: any Channel) throws {
        guard case let .admitted(activity) = connections.admit(channel) else {
            logger.warning("refusing a connection: connection limits reached")
            channel.close(promise: nil)
            return
        }
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(
            ConnectionTimeoutHandler(
                readTimeout: configuration.readTimeout, idleTimeout: configuration.idleTimeout, requestIDs: application.requestIDs,
                activity: activity))
        try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: false)
        try sync.addHandler(HTTPRequestHandler(application: application, configuration: configuration))
    }

}
