import TesseraJWT

/// The JSON parser every token header, claims set and request body goes through. Input it
/// accepts must serialise to JSON it accepts again as the same value (a round trip), and
/// serialising that value again must give the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    guard let value = JSONValue(parsing: input) else { return 0 }
    var once: [UInt8] = []
    value.serialize(into: &once)
    guard let again = JSONValue(parsing: once) else { preconditionFailure("serialised JSON does not parse: \(once)") }
    precondition(again == value, "round trip changed the value")
    var twice: [UInt8] = []
    again.serialize(into: &twice)
    precondition(twice == once, "serialisation is not stable")
    return 0
}
