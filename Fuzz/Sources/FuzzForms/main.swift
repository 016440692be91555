import TesseraHTTP

/// The form parsers (OAuth bodies strictly, query strings leniently) and the HTTP Basic client
/// credentials parser, on the same input. They must return or refuse, never crash; what the
/// strict parser accepts, the lenient one accepts too with each name's first value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzForms(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    let lenient = FormData.parse(text)
    if let strict = FormData.parseStrict(text) {
        precondition(strict.mapValues { $0[0] } == lenient, "the strict and lenient parsers disagree")
    }
    _ = BasicCredentials(header: "Basic " + text)
    _ = BasicCredentials(header: text)
    return 0
}
