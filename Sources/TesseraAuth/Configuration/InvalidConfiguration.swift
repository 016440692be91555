import Configuration

/// A configuration value of the right type but outside what is allowed. The CLI exits 2 on it,
/// as it does on a value of the wrong type.
public struct InvalidConfiguration: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }

    /// Throws `message` unless `condition` holds.
    public static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw InvalidConfiguration(message()) }
    }
}

/// A section of configuration owned by one module: its keys with their defaults, and how a
/// reader scoped to the section becomes a value. Every key has a default, so a missing key is
/// never an error and a present key of the wrong type always is (read with `required…`).
public protocol ConfigurationSection: Sendable {
    /// The section's name: its keys are `name.key` (`token.leeway_seconds`); empty for top-level keys.
    static var section: String { get }
    /// Each key of the section (relative, dotted) with its default.
    static var defaults: [String: ConfigValue] { get }
    /// Reads the section from a reader scoped to it.
    init(reader: ConfigReader) throws
}

extension ConfigurationSection {
    /// The defaults under their absolute keys, for the provider of last resort.
    public static var absoluteDefaults: [AbsoluteConfigKey: ConfigValue] {
        Dictionary(
            uniqueKeysWithValues: defaults.map { key, value in
                (AbsoluteConfigKey(ConfigKey(section.isEmpty ? key : "\(section).\(key)")), value)
            })
    }

    /// Reads the section from a reader of the whole configuration.
    public init(root reader: ConfigReader) throws {
        try self.init(reader: Self.section.isEmpty ? reader : reader.scoped(to: ConfigKey(Self.section)))
    }
}
