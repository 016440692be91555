// A resource server's check of a Tessera access token with no secret: the keys come from the
// issuer's public JWKS (`TesseraJWT.JWKSCache`), fetched with URLSession.
//
//   VerifyWithJWKS JWKS_URL ISSUER AUDIENCE < token
//
// JWKS_URL is the issuer's `jwks_uri` (its RFC 8414 metadata names it).
//
// Prints the verified claims as JSON and exits 0; exits 1 with the reason when the token is
// refused, 2 on bad usage.
import Foundation
import TesseraJWT

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

let arguments = CommandLine.arguments
guard arguments.count == 4, let jwksURL = URL(string: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: VerifyWithJWKS JWKS_URL ISSUER AUDIENCE < token\n".utf8))
    exit(2)
}
var options = JWTValidationOptions()
options.issuer = arguments[2]
options.audiences = [arguments[3]]
let cache = JWKSCache(options: options) {
    let (body, response) = try await URLSession.shared.data(from: jwksURL)
    guard let http = response as? HTTPURLResponse, http.statusCode == 200 else { throw URLError(.badServerResponse) }
    return JWKSCache.Response(body: Array(body), cacheControl: http.value(forHTTPHeaderField: "Cache-Control"))
}
let token = (readLine() ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
do {
    let verified = try await cache.verify(token)
    print(JSONValue.object(verified.claims.object).serialized)
} catch {
    FileHandle.standardError.write(Data("refused: \(error)\n".utf8))
    exit(1)
}
