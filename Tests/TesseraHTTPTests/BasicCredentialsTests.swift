import Foundation
import TesseraHTTP
import Testing

@Suite("HTTP: Basic client credentials")
struct BasicCredentialsTests {
    static func basic(_ text: String) -> String { "Basic " + Data(text.utf8).base64EncodedString() }

    @Test("RFC 6749 §2.3.1: id and secret are form-urlencoded inside the base64, split at the first colon")
    func parses() {
        #expect(BasicCredentials(header: Self.basic("web:secret")) == BasicCredentials(header: "bAsIc " + Data("web:secret".utf8).base64EncodedString()))
        let encoded = BasicCredentials(header: Self.basic("svc%3A1:s%3Ae+t%2B"))
        #expect(encoded?.id == "svc:1" && encoded?.secret == "s:e t+")
        let empty = BasicCredentials(header: Self.basic(":"))
        #expect(empty?.id == "" && empty?.secret == "")
    }

    @Test(
        "malformed Basic values are refused",
        arguments: ["Basic", "Basic !!!", basic("no colon"), basic("bad%ZZ:x"), "Basic " + Data([0xFF, 0x3A]).base64EncodedString(), "Bearer abc"])
    func refuses(_ header: String) {
        #expect(BasicCredentials(header: header) == nil)
    }
}
