import TesseraJWT
import Testing

@Suite("Strict JSON")
struct JSONParserTests {
    @Test(
        "accepts RFC 8259 documents",
        arguments: [
            #"{}"#, #"[]"#, #"{"a":[1,-2.5e+3,0,true,false,null,"x"]}"#, " {\"a\" : 1 } ", #""\u00e9\ud83d\ude00\n""#, "0", "-0.0E-1",
        ])
    func accepts(_ text: String) {
        #expect(JSONValue(parsing: text) != nil)
    }

    @Test(
        "rejects what RFC 8259 does not allow",
        arguments: [
            "", "{", #"{"a":1,}"#, "[1,]", "01", "1.", ".5", "+1", "-", "1e", "NaN", "Infinity", "'a'", #"{"a" 1}"#,
            "{a:1}", "\"\u{01}\"", #""\x""#, #""\ud800""#, #""\udc00x""#, "tru", "nul", "[1] [2]", "// c\n{}", #"{"a":1}x"#,
        ])
    func rejects(_ text: String) {
        #expect(JSONValue(parsing: text) == nil)
    }

    @Test("rejects duplicate member names, also beyond the linear-search threshold")
    func duplicates() {
        #expect(JSONValue(parsing: #"{"alg":"HS256","alg":"none"}"#) == nil)
        let many = (0..<40).map { "\"m\($0)\":\($0)" }.joined(separator: ",")
        #expect(JSONValue(parsing: "{\(many)}") != nil)
        #expect(JSONValue(parsing: "{\(many),\"m33\":0}") == nil)
    }

    @Test("rejects invalid UTF-8 and bounds nesting depth")
    func utf8AndDepth() {
        #expect(JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22] as [UInt8]) == nil)
        #expect(JSONValue(parsing: String(repeating: "[", count: 32) + String(repeating: "]", count: 32)) != nil)
        #expect(JSONValue(parsing: String(repeating: "[", count: 33) + String(repeating: "]", count: 33)) == nil)
        #expect(JSONValue(parsing: String(repeating: "[", count: 100_000)) == nil)
    }

    @Test("serialises compactly, escaping what must be escaped, and round-trips")
    func serialise() throws {
        let value = try #require(JSONValue(parsing: #"{ "b": [1, 2.50, "q\"\\\n\u0001é/"], "a": null }"#))
        #expect(value.serialized == #"{"b":[1,2.50,"q\"\\\n\u0001é/"],"a":null}"#)
        #expect(JSONValue(parsing: value.serialized) == value)
    }

    @Test("numbers keep their literal text and convert to doubles")
    func numbers() {
        #expect(JSONNumber(literal: "12345678901234567890")?.literal == "12345678901234567890")
        #expect(JSONNumber(literal: "1767225600")?.doubleValue == 1_767_225_600)
        #expect(JSONNumber(literal: "1.5e3")?.doubleValue == 1500)
        #expect(JSONNumber(literal: "1e") == nil)
        #expect(JSONNumber(Double.nan) == nil)
    }
}
