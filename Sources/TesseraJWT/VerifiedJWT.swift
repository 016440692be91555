/// A token that passed every check: its header, its claims and the key that verified it.
public struct VerifiedJWT: Sendable {
    let headerIndex: IndexedJSONObject
    /// The claims set.
    public let claims: JWTClaims
    /// The kid of the key whose MAC matched.
    public let kid: String

    /// The JOSE header.
    public var header: JSONObject { headerIndex.decoded() }
}
