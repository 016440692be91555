import Foundation

/// Where the verifier and signer read the current time (seconds since 1970). Tests use `fixed`.
public struct JWTClock: Sendable {
    private let read: @Sendable () -> Double

    /// A clock that reads `now` on every call.
    public init(_ now: @escaping @Sendable () -> Double) { read = now }

    /// The system's wall clock.
    public static let system = JWTClock { Date().timeIntervalSince1970 }

    /// A clock stopped at `seconds`.
    public static func fixed(_ seconds: Double) -> JWTClock { JWTClock { seconds } }

    /// The current time in seconds since 1970.
    public var now: Double { read() }
}
