import Foundation
import NIOHTTP1
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

/// `application/x-www-form-urlencoded` decoding, known answers (the fuzzer checks the strict and
/// lenient parsers agree on everything else).
@Suite struct FormDataTests {
    @Test(
        arguments: [
            ("a=1&b=two+words&c=%2B%26%3D&d=", ["a": ["1"], "b": ["two words"], "c": ["+&="], "d": [""]]),
            ("x=%C3%A9&x=2&&y", ["x": ["é", "2"], "y": [""]]),
            ("k%20ey=v%0Aw", ["k ey": ["v\nw"]]),
            ("", [:]),
        ] as [(String, [String: [String]])])
    func decodes(text: String, expected: [String: [String]]) {
        #expect(FormData.parseStrict(text) == expected)
    }

    @Test(arguments: ["a=%", "a=%4", "a=%zz", "a=%C3", "%FF=1", "a=1&b=%G0"])
    func refusesBadPercentEncodingOrUTF8(text: String) {
        #expect(FormData.parseStrict(text) == nil)
    }

    @Test func theLenientParserSkipsOnlyTheBadPair() {
        #expect(FormData.parse("a=1&b=%G0&c=%41") == ["a": "1", "c": "A"])
    }

    @Test func contentTypeIsTheLowerCasedMediaType() {
        let request = HTTPRequest(method: .POST, uri: "/", headers: ["Content-Type": " Application/X-WWW-Form-URLEncoded ; charset=UTF-8"])
        #expect(request.contentType == "application/x-www-form-urlencoded")
        #expect(HTTPRequest(method: .POST, uri: "/").contentType == nil)
    }
}
