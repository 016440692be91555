/// A JSON value (RFC 8259) as JOSE headers and JWT claims need it: member order kept, numbers
/// kept as their literal text so nothing is rounded on the way through.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string, if this is a string.
    public var stringValue: String? {
        if case let .string(value) = self { value } else { nil }
    }

    /// The number, if this is a number.
    public var numberValue: JSONNumber? {
        if case let .number(value) = self { value } else { nil }
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case let .object(value) = self { value } else { nil }
    }

    /// An integer number.
    public static func int(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
}

/// A JSON number, stored as validated literal text.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number exactly as written in JSON.
    public let literal: String

    /// An integer number.
    public init(_ value: Int) { literal = String(value) }

    /// A finite floating-point number; nil for NaN and infinities, which JSON cannot carry.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 1e15 { literal = String(Int(value)) } else { literal = "\(value)" }
    }

    /// A number from JSON literal text; nil when the text is not a JSON number.
    public init?(literal: String) {
        var bytes = Array(literal.utf8)
        let valid = bytes.withUnsafeMutableBytes { buffer in
            var parser = JSONParser(UnsafeRawBufferPointer(buffer))
            return parser.scanNumber() && parser.isAtEnd
        }
        guard valid else { return nil }
        self.literal = literal
    }

    init(validatedLiteral: String) { literal = validatedLiteral }

    /// The value as a double (large integers round to the nearest double).
    public var doubleValue: Double {
        // Fast path for the plain integers that NumericDate values almost always are.
        var result: Int64 = 0
        var count = 0
        for byte in literal.utf8 {
            guard byte >= 0x30, byte <= 0x39, count < 15 else { return Double(literal) ?? .nan }
            result = result * 10 + Int64(byte - 0x30)
            count += 1
        }
        return Double(result)
    }

    /// The value as an integer, when it is written as one and fits.
    public var intValue: Int? { Int(literal) }

    public var description: String { literal }
}

/// A JSON object with its members in document order. Names are unique: the parser rejects
/// duplicates (RFC 7515 §5.2, RFC 7519 §4) and setting an existing name replaces its value.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One name/value pair.
    public struct Member: Sendable, Hashable {
        public var name: String
        public var value: JSONValue
    }

    /// The members in order.
    public private(set) var members: [Member]

    /// An empty object.
    public init() { members = [] }

    init(uniqueMembers: [Member]) { members = uniqueMembers }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = []
        for (name, value) in elements { self[name] = value }
    }

    /// The value of member `name`; setting nil removes it.
    public subscript(name: String) -> JSONValue? {
        get {
            for member in members where member.name == name { return member.value }
            return nil
        }
        set {
            if let index = members.firstIndex(where: { $0.name == name }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append(Member(name: name, value: newValue))
            }
        }
    }

    /// Number of members.
    public var count: Int { members.count }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }
}
