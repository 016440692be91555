import Configuration

/// The `session` section: how long sessions last, separately for browser cookie sessions and
/// for refresh-token sessions (apps and services).
///
/// Defaults follow NIST SP 800-63B-4 for a password-only login (AAL1: re-authenticate at least
/// every 30 days) and OWASP ASVS 5.0 V7.3 (inactivity and absolute timeouts set by risk): an app
/// holding a refresh token gets 7 days idle and 30 days absolute; a browser, more often shared
/// and more exposed to cookie theft, gets 12 hours idle and 7 days absolute.
public struct SessionConfiguration: ConfigurationSection {
    public static let section = "session"
    public static let defaults: [String: ConfigValue] = [
        "refresh_idle_seconds": 604_800,
        "refresh_absolute_seconds": 2_592_000,
        "cookie_idle_seconds": 43_200,
        "cookie_absolute_seconds": 604_800,
    ]

    public var refreshIdle: Int
    public var refreshAbsolute: Int
    public var cookieIdle: Int
    public var cookieAbsolute: Int

    public init(reader: ConfigReader) throws {
        refreshIdle = try reader.requiredInt(forKey: "refresh_idle_seconds")
        refreshAbsolute = try reader.requiredInt(forKey: "refresh_absolute_seconds")
        cookieIdle = try reader.requiredInt(forKey: "cookie_idle_seconds")
        cookieAbsolute = try reader.requiredInt(forKey: "cookie_absolute_seconds")
        for (name, idle, absolute) in [("refresh", refreshIdle, refreshAbsolute), ("cookie", cookieIdle, cookieAbsolute)] {
            try InvalidConfiguration.require(
                (60...31_536_000).contains(idle) && (idle...31_536_000).contains(absolute),
                "session.\(name)_idle_seconds must be 60 s to 1 year and at most session.\(name)_absolute_seconds (at most 1 year)")
        }
    }
}
