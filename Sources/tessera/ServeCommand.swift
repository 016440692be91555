import ArgumentParser
import Configuration
import Foundation
import Logging
import Metrics
import Prometheus
import TesseraServer

/// `tessera serve`: the HTTP service. Parses flags, reads configuration, sets up logging and
/// metrics, and hands everything else to `TesseraServer`.
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
        let configuration = try await config.load(overrides)
        // A closed stderr pipe (a log collector gone) must cost log lines, not the server.
        signal(SIGPIPE, SIG_IGN)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = configuration.logLevel
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        try await asConfigurationError {
            try await asStoreError {
                let server = try await TesseraServer.build(configuration: configuration, logger: Logger(label: "tessera"), metrics: registry)
                try await server.runUntilSignalled()
            }
        }
    }
}
