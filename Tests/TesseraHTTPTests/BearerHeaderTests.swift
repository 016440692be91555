import Configuration
import Foundation
import NIOHTTP1
import TesseraHTTP
import TesseraJWT
import Testing

@Suite("HTTP: Authorization header")
struct BearerHeaderTests {
    @Test(
        "RFC 6750 §2.1 bearer credentials, scheme case-insensitive",
        arguments: [
            ("Bearer abc.def.ghi", "abc.def.ghi"), ("bearer abc", "abc"), ("BEARER  abc", "abc"),
            ("Basic abc", nil), ("Bearer", nil), ("Bearer ", nil), ("Bearerabc", nil), ("Token abc", nil),
        ] as [(String, String?)])
    func bearer(_ header: String, _ token: String?) {
        #expect(HTTPRequest(method: .GET, uri: "/", headers: ["Authorization": header]).bearerToken == token)
    }
}
