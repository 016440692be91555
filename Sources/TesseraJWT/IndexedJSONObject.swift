import Foundation

/// A strictly validated JSON object whose members are located in its source bytes but decoded
/// only when asked for. Verifying a token reads a handful of claims; building every value of
/// every claim up front would cost more than the MAC.
struct IndexedJSONObject: Sendable {
    struct Member: Sendable {
        /// The name's bytes between its quotes.
        let name: Range<Int>
        /// The value's bytes, quotes included for strings.
        let value: Range<Int>
        let nameIsPlain: Bool
    }

    let source: [UInt8]
    let members: [Member]

    /// Validates `source` as exactly one JSON object with unique member names (RFC 8259, and
    /// nested values too), or returns nil.
    init?(_ source: [UInt8]) {
        guard let members = source.withUnsafeBytes({ JSONParser.indexObject($0) }) else { return nil }
        self.source = source
        self.members = members
        guard namesAreUnique() else { return nil }
    }

    /// The decoded value of member `name`.
    subscript(name: String) -> JSONValue? {
        guard let member = member(named: name) else { return nil }
        return source.withUnsafeBytes { JSONParser.parse(UnsafeRawBufferPointer(rebasing: $0[member.value])) }
    }

    /// What a typed lookup found.
    enum Lookup<Value> {
        case absent
        case wrongType
        case value(Value)
    }

    /// Member `name` as a number, read straight from its bytes.
    func number(_ name: StaticString) -> Lookup<Double> {
        guard let member = member(named: name) else { return .absent }
        return source.withUnsafeBytes { bytes in
            let value = UnsafeRawBufferPointer(rebasing: bytes[member.value])
            guard let first = value.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else { return .wrongType }
            if value.count <= 15, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                return .value(Double(value.reduce(0) { $0 * 10 + Int64($1 - 0x30) }))
            }
            return .value(JSONNumber(validatedLiteral: String(decoding: value, as: UTF8.self)).doubleValue)
        }
    }

    /// Member `name` as a string.
    func string(_ name: StaticString) -> Lookup<String> {
        guard let member = member(named: name) else { return .absent }
        return source.withUnsafeBytes { bytes in
            let value = UnsafeRawBufferPointer(rebasing: bytes[member.value])
            guard value.first == UInt8(ascii: "\"") else { return .wrongType }
            if !value.contains(UInt8(ascii: "\\")) {
                return .value(String(decoding: UnsafeRawBufferPointer(rebasing: value.dropFirst().dropLast()), as: UTF8.self))
            }
            return JSONParser.parse(value)?.stringValue.map(Lookup.value) ?? .wrongType
        }
    }

    /// Whether member `name` is a string equal to `expected`, compared without decoding when it
    /// has no escapes.
    func string(_ name: StaticString, equals expected: String) -> Lookup<Bool> {
        guard let member = member(named: name) else { return .absent }
        return source.withUnsafeBytes { bytes in
            let value = UnsafeRawBufferPointer(rebasing: bytes[member.value])
            if value.first == UInt8(ascii: "\""), !value.contains(UInt8(ascii: "\\")) {
                return .value(Self.equal(expected, UnsafeRawBufferPointer(rebasing: value.dropFirst().dropLast())))
            }
            return JSONParser.parse(value)?.stringValue.map { .value($0 == expected) } ?? .wrongType
        }
    }

    private static func equal(_ string: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var string = string
        return string.withUTF8 { utf8 in
            utf8.count == bytes.count && (bytes.isEmpty || memcmp(utf8.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }
    }

    /// Whether member `name` is a string equal to one of `accepted`, or an array of strings one
    /// of which is (the two forms of `aud`, RFC 7519 §4.1.3).
    func stringOrArray(_ name: StaticString, matchesOneOf accepted: Set<String>) -> Lookup<Bool> {
        guard let member = member(named: name) else { return .absent }
        return source.withUnsafeBytes { bytes in
            let value = UnsafeRawBufferPointer(rebasing: bytes[member.value])
            if value.first == UInt8(ascii: "\""), !value.contains(UInt8(ascii: "\\")) {
                let content = UnsafeRawBufferPointer(rebasing: value.dropFirst().dropLast())
                return .value(accepted.contains { Self.equal($0, content) })
            }
            switch JSONParser.parse(value) {
            case let .string(single)?:
                return .value(accepted.contains(single))
            case let .array(values)?:
                var matched = false
                for element in values {
                    guard let text = element.stringValue else { return .wrongType }
                    matched = matched || accepted.contains(text)
                }
                return .value(matched)
            default:
                return .wrongType
            }
        }
    }

    /// Whether member `name` is present.
    func contains(_ name: StaticString) -> Bool { member(named: name) != nil }

    private func member(named name: StaticString) -> Member? {
        let wanted = UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        return source.withUnsafeBytes { bytes in
            members.first { member in
                member.nameIsPlain
                    ? member.name.count == wanted.count && memcmp(bytes.baseAddress! + member.name.lowerBound, wanted.baseAddress!, wanted.count) == 0
                    : decodedName(member, bytes).utf8.elementsEqual(wanted)
            }
        }
    }

    /// Every member, decoded, in order.
    func decoded() -> JSONObject {
        // Already validated, so the full parse cannot fail.
        source.withUnsafeBytes(JSONParser.parseObject) ?? JSONObject()
    }

    private func member(named name: String) -> Member? {
        var name = name
        return name.withUTF8 { wanted in
            source.withUnsafeBytes { bytes in
                members.first { member in
                    member.nameIsPlain
                        ? member.name.count == wanted.count && UnsafeRawBufferPointer(rebasing: bytes[member.name]).elementsEqual(wanted)
                        : decodedName(member, bytes) == String(decoding: wanted, as: UTF8.self)
                }
            }
        }
    }

    private func namesAreUnique() -> Bool {
        source.withUnsafeBytes { bytes in
            if members.allSatisfy(\.nameIsPlain) {
                for (index, member) in members.enumerated() {
                    let name = UnsafeRawBufferPointer(rebasing: bytes[member.name])
                    for other in members[..<index] where other.name.count == member.name.count {
                        if UnsafeRawBufferPointer(rebasing: bytes[other.name]).elementsEqual(name) { return false }
                    }
                }
                return true
            }
            var names = Set<String>()
            return members.allSatisfy { names.insert(decodedName($0, bytes)).inserted }
        }
    }

    /// A name with escapes, decoded (the rare path: `"\u0061"` and `"a"` are the same name).
    private func decodedName(_ member: Member, _ bytes: UnsafeRawBufferPointer) -> String {
        let quoted = UnsafeRawBufferPointer(rebasing: bytes[(member.name.lowerBound - 1)..<(member.name.upperBound + 1)])
        return JSONParser.parse(quoted)?.stringValue ?? ""
    }
}
