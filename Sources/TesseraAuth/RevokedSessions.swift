import Synchronization

/// The in-memory view of revoked sessions (and of revoked session-less access tokens, by `jti`)
/// that access-token verification checks without a database round trip. Revocations made through this process enter it at once; those made
/// elsewhere (another instance, the CLI) arrive through `refresh`, which the service runs every
/// `pollInterval`: a revocation anywhere is seen everywhere within one interval plus a query.
public final class RevokedSessions: Sendable {
    private struct State {
        var expiries: [String: Int64] = [:]
        /// Revoked access tokens without a session, by `jti`, until their `exp`.
        var tokens: [String: Int64] = [:]
        var polledThrough: Int64 = 0
    }

    private let state = Mutex(State())
    /// How far back each poll looks, to absorb clock skew between instances (seconds).
    static let overlap: Int64 = 60

    /// An empty view.
    public init() {}

    /// Whether session `id` is revoked.
    public func contains(_ id: String) -> Bool {
        state.withLock { $0.expiries[id] != nil }
    }

    /// Whether no poll has succeeded within the last `maximumAge` seconds (or none ever has):
    /// revocations made elsewhere may then be missing from the view.
    public func isStale(now: Int64, maximumAge: Int64) -> Bool {
        state.withLock { now - $0.polledThrough > maximumAge }
    }

    /// Number of sessions held (for metrics and tests).
    public var count: Int { state.withLock { $0.expiries.count } }

    /// Records a revocation made here.
    public func insert(_ id: String, absoluteExpiresAt: Int64) {
        state.withLock { $0.expiries[id] = absoluteExpiresAt }
    }

    /// Whether the session-less access token `jti` is revoked.
    public func containsToken(_ jti: String) -> Bool {
        state.withLock { $0.tokens[jti] != nil }
    }

    /// Records the revocation of a session-less access token made here.
    public func insertToken(_ jti: String, expiresAt: Int64) {
        state.withLock { $0.tokens[jti] = expiresAt }
    }

    /// Pulls revocations from the store made since the last poll (with overlap), and forgets
    /// sessions whose absolute expiry is more than `retention` seconds past: no token of theirs
    /// can still be valid.
    public func refresh(from store: any AuthStore, now: Int64, retention: Int64) async throws {
        let since = state.withLock { $0.polledThrough } - Self.overlap
        let revoked = try await store.sessionsRevoked(since: max(0, since), expiringAfter: now - retention)
        let tokens = try await store.tokensRevoked(since: max(0, since), expiringAfter: now - retention)
        state.withLock { state in
            for session in revoked { state.expiries[session.id] = session.absoluteExpiresAt }
            state.expiries = state.expiries.filter { $0.value > now - retention }
            for token in tokens { state.tokens[token.jti] = token.expiresAt }
            state.tokens = state.tokens.filter { $0.value > now - retention }
            state.polledThrough = now
        }
    }
}
