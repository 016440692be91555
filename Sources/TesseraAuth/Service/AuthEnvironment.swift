import TesseraCrypto
import TesseraJWT

/// What every part of the token service shares: the store, the rules, the time and password
/// hashing. A value: the parts hold their own copy and none reaches into another.
public struct AuthEnvironment: Sendable {
    public let store: any AuthStore
    public let policy: AuthPolicy
    /// The time every rule is checked against (tests fix it).
    public let clock: JWTClock
    let hasher: PasswordHasher
    /// Where passwords are hashed, off the event loops.
    public let hashingPool: PasswordHashingPool
    /// Client records read in the last second, for introspection (`ClientAuthenticator`);
    /// changes made through this environment forget them at once.
    let recentClients = RecentClients()

    public init(
        store: any AuthStore, policy: AuthPolicy, clock: JWTClock = .system, hasher: PasswordHasher,
        hashingPool: PasswordHashingPool = PasswordHashingPool()
    ) {
        self.store = store
        self.policy = policy
        self.clock = clock
        self.hasher = hasher
        self.hashingPool = hashingPool
    }

    /// The current time in whole seconds.
    var now: Int64 { Int64(clock.now) }

    /// A new hash of `password`, computed on the hashing pool.
    func hash(_ password: String) async throws -> String {
        let hasher = self.hasher
        return try await hashingPool.run { try hasher.hash(password) }
    }

    /// The rules a new password must meet.
    var passwordPolicy: PasswordPolicy {
        PasswordPolicy(minimumLength: policy.minimumPasswordLength, maximumBytes: hasher.maximumPasswordBytes)
    }
}
