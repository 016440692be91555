/// A strict RFC 8259 parser over UTF-8 bytes: no trailing commas, no comments, no leading zeros,
/// no unescaped control characters, no invalid UTF-8 or lone surrogates, no duplicate member
/// names, bounded nesting. It never allocates for what it rejects early and never traps.
struct JSONParser {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    private var depth = 0
    static let maximumDepth = 32

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Parses one complete document, or returns nil.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> JSONValue? {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        guard let value = parser.parseValue() else { return nil }
        parser.skipWhitespace()
        return parser.isAtEnd ? value : nil
    }

    /// Parses one complete document that must be an object, or returns nil.
    static func parseObject(_ bytes: UnsafeRawBufferPointer) -> JSONObject? {
        guard case let .object(object)? = parse(bytes) else { return nil }
        return object
    }

    /// Validates one complete document that must be an object and returns where each top-level
    /// member's name and value sit, without decoding them. Duplicate names are left to the
    /// caller; nested values are fully validated.
    static func indexObject(_ bytes: UnsafeRawBufferPointer) -> [IndexedJSONObject.Member]? {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        guard parser.consume(UInt8(ascii: "{")) else { return nil }
        parser.depth = 1
        var members: [IndexedJSONObject.Member] = []
        members.reserveCapacity(12)
        parser.skipWhitespace()
        if !parser.consume(UInt8(ascii: "}")) {
            while true {
                parser.skipWhitespace()
                guard parser.current == UInt8(ascii: "\""), let (name, plain) = parser.skipString() else { return nil }
                parser.skipWhitespace()
                guard parser.consume(UInt8(ascii: ":")) else { return nil }
                parser.skipWhitespace()
                let valueStart = parser.position
                guard parser.skipValue() else { return nil }
                members.append(
                    IndexedJSONObject.Member(
                        name: (name.lowerBound + 1)..<(name.upperBound - 1), value: valueStart..<parser.position, nameIsPlain: plain))
                parser.skipWhitespace()
                if parser.consume(UInt8(ascii: ",")) { continue }
                guard parser.consume(UInt8(ascii: "}")) else { return nil }
                break
            }
        }
        parser.skipWhitespace()
        return parser.isAtEnd ? members : nil
    }

    /// Validates one value; scalars without allocating, containers by parsing them.
    private mutating func skipValue() -> Bool {
        switch current {
        case UInt8(ascii: "\""): return skipString() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["): return parseValue() != nil
        case UInt8(ascii: "t"): return consume(literal: "true")
        case UInt8(ascii: "f"): return consume(literal: "false")
        case UInt8(ascii: "n"): return consume(literal: "null")
        default: return scanNumber()
        }
    }

    /// Validates a string starting at its quote; returns its range (quotes included) and whether
    /// it is plain ASCII without escapes, in which case its bytes are its value.
    private mutating func skipString() -> (Range<Int>, Bool)? {
        let start = position
        var index = position + 1
        var seen: UInt8 = 0
        // Scan for the closing quote; anything unusual (escape, control, non-ASCII) takes the
        // full parse below.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { break }
            seen |= byte | (byte == UInt8(ascii: "\\") || byte < 0x20 ? 0x80 : 0)
            index += 1
        }
        if index < bytes.count, seen < 0x80 {
            position = index + 1
            return (start..<position, true)
        }
        guard parseString() != nil else { return nil }
        return (start..<position, false)
    }

    var isAtEnd: Bool { position == bytes.count }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard current == byte else { return false }
        position += 1
        return true
    }

    private mutating func consume(literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count else { return false }
        for index in 0..<count where bytes[position + index] != literal.utf8Start[index] { return false }
        position += count
        return true
    }

    private mutating func parseValue() -> JSONValue? {
        switch current {
        case UInt8(ascii: "{"): return parseObject().map(JSONValue.object)
        case UInt8(ascii: "["): return parseArray()
        case UInt8(ascii: "\""): return parseString().map(JSONValue.string)
        case UInt8(ascii: "t"): return consume(literal: "true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return consume(literal: "false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return consume(literal: "null") ? .null : nil
        default:
            let start = position
            guard scanNumber() else { return nil }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            return .number(JSONNumber(validatedLiteral: text))
        }
    }

    private mutating func enter() -> Bool {
        depth += 1
        return depth <= Self.maximumDepth
    }

    private mutating func parseObject() -> JSONObject? {
        guard enter() else { return nil }
        defer { depth -= 1 }
        position += 1
        var members: [JSONObject.Member] = []
        members.reserveCapacity(8)
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return JSONObject(uniqueMembers: members) }
        var names: Set<String>? = nil
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\""), let name = parseString() else { return nil }
            // Linear search is fastest for the handful of members a JOSE header or claims set has.
            if members.count < 16 {
                for member in members where member.name == name { return nil }
            } else {
                if names == nil { names = Set(members.map(\.name)) }
                guard names!.insert(name).inserted else { return nil }
            }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { return nil }
            skipWhitespace()
            guard let value = parseValue() else { return nil }
            members.append(JSONObject.Member(name: name, value: value))
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "}")) else { return nil }
            return JSONObject(uniqueMembers: members)
        }
    }

    private mutating func parseArray() -> JSONValue? {
        guard enter() else { return nil }
        defer { depth -= 1 }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return .array(elements) }
        while true {
            skipWhitespace()
            guard let value = parseValue() else { return nil }
            elements.append(value)
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "]")) else { return nil }
            return .array(elements)
        }
    }

    /// Parses a string starting at its opening quote.
    private mutating func parseString() -> String? {
        position += 1
        let start = position
        // Fast path: no escapes.
        var seen: UInt8 = 0
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { return nil }
            seen |= byte
            position += 1
        }
        guard let stop = current else { return nil }
        if stop == UInt8(ascii: "\"") {
            position += 1
            let content = UnsafeRawBufferPointer(rebasing: bytes[start..<position - 1])
            return seen < 0x80 ? String(decoding: content, as: UTF8.self) : Self.string(content)
        }
        var unescaped = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while let byte = current {
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return unescaped.withUnsafeBytes(Self.string)
            case UInt8(ascii: "\\"):
                guard let escaped = current else { return nil }
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(escaped)
                case UInt8(ascii: "b"): unescaped.append(0x08)
                case UInt8(ascii: "f"): unescaped.append(0x0C)
                case UInt8(ascii: "n"): unescaped.append(0x0A)
                case UInt8(ascii: "r"): unescaped.append(0x0D)
                case UInt8(ascii: "t"): unescaped.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = parseUnicodeEscape() else { return nil }
                    unescaped.append(contentsOf: String(Character(scalar)).utf8)
                default: return nil
                }
            default:
                guard byte >= 0x20 else { return nil }
                unescaped.append(byte)
            }
        }
        return nil
    }

    /// The string for UTF-8 `bytes`, or nil when they are not valid UTF-8. (`String(decoding:)`
    /// repairs invalid input, so any change in the bytes means they were invalid; this is much
    /// faster than the generic `String(validating:)`.)
    private static func string(_ bytes: UnsafeRawBufferPointer) -> String? {
        let string = String(decoding: bytes, as: UTF8.self)
        if bytes.allSatisfy({ $0 < 0x80 }) { return string }
        return string.utf8.elementsEqual(bytes) ? string : nil
    }

    /// Parses the hex digits after `\u`, joining a surrogate pair; lone surrogates are rejected.
    private mutating func parseUnicodeEscape() -> Unicode.Scalar? {
        guard let high = parseHex4() else { return nil }
        switch high {
        case 0xD800...0xDBFF:
            guard consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")), let low = parseHex4(),
                (0xDC00...0xDFFF).contains(low)
            else { return nil }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        case 0xDC00...0xDFFF:
            return nil
        default:
            return Unicode.Scalar(high)
        }
    }

    private mutating func parseHex4() -> UInt32? {
        guard bytes.count - position >= 4 else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// Advances over a number per the RFC 8259 grammar; false if there is none.
    mutating func scanNumber() -> Bool {
        _ = consume(UInt8(ascii: "-"))
        guard let first = current, first.isDigit else { return false }
        position += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if consume(UInt8(ascii: ".")) {
            guard current?.isDigit == true else { return false }
            skipDigits()
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
            guard current?.isDigit == true else { return false }
            skipDigits()
        }
        return true
    }

    private mutating func skipDigits() {
        while current?.isDigit == true { position += 1 }
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
}

extension JSONValue {
    /// Parses a complete JSON document strictly; nil for anything RFC 8259 does not allow, for
    /// duplicate member names, and for nesting deeper than 32.
    public init?(parsing bytes: some Collection<UInt8>) {
        let value =
            bytes.withContiguousStorageIfAvailable { JSONParser.parse(UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { JSONParser.parse($0) }
        guard let value else { return nil }
        self = value
    }

    /// Parses a JSON document held in a string.
    public init?(parsing text: String) {
        var text = text
        guard let value = text.withUTF8({ JSONParser.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = value
    }
}
