import ArgumentParser
import Configuration
import TesseraServer

/// Options every command that reads configuration accepts.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "JSON configuration file (default: $TESSERA_CONFIG or Config/tessera.json).")
    var configFile: String?

    @Option(name: .customLong("keys"), help: "JWK Set key file (overrides keys.file).")
    var keysFile: String?

    @Option(name: .customLong("store"), help: "sqlite:PATH or postgres://user@host:port/database (overrides store).")
    var store: String?

    /// Loads the configuration with these flags, plus any command-specific `overrides`, on top.
    func load(_ overrides: [AbsoluteConfigKey: ConfigValue] = [:]) async throws -> TesseraConfiguration {
        var values = overrides
        if let store { values["store"] = .init(.string(store), isSecret: false) }
        if let keysFile {
            // An explicit --keys beats an inline JWK Set from the environment.
            values["keys.file"] = .init(.string(keysFile), isSecret: false)
            values["keys.jwks"] = .init(.string(""), isSecret: true)
        }
        return try await asConfigurationError { try await TesseraConfiguration.load(configFile: configFile, overrides: values) }
    }
}
