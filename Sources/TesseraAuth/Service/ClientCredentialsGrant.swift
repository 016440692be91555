/// The client credentials grant (RFC 6749 §4.4): an access token for a confidential client
/// itself (`sub` is the client id), with no session and no refresh token.
public struct ClientCredentialsGrant: Sendable {
    let environment: AuthEnvironment
    let accessTokens: AccessTokens

    public func grant(client: OAuthClient, scope: String?) throws -> TokenResponse {
        try client.requireGrant(.clientCredentials)
        guard client.kind == .confidential else { throw AuthError(.unauthorizedClient, "client_credentials needs a confidential client") }
        // No user: a restricted scope only if the client itself was registered with it.
        let policy = environment.policy.scopes
        let scopes = policy.issued(requested: try scope.map(Scope.parse), clientScopes: policy.grantable(by: client), roles: nil)
        let token = try accessTokens.sign(subject: client.id, client: client, scopes: scopes, sessionID: nil, now: environment.now)
        return TokenResponse(accessToken: token, expiresIn: environment.policy.accessTokenTTL, refreshToken: nil, scope: scopes.joined(separator: " "))
    }
}
