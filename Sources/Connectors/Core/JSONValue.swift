import Foundation
import MediaModel

#if canImport(Glibc)
    import Glibc
#endif

/// A parsed JSON document: the shape provider responses arrive in.
///
/// Connectors read provider pages through this tree instead of `Codable` so that unknown fields
/// cost nothing, missing optional fields are plain `nil`s, and one bad record in a page is
/// quarantined on its own instead of failing the whole page. Numbers keep their source text, so
/// a price like `2.99` never passes through binary floating point.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number as written in the document.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Parses a complete JSON document.
    public static func parse(_ data: Data) throws -> JSONValue {
        try data.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw.bindMemory(to: UInt8.self))
            return try parser.parseDocument()
        }
    }

    /// Parses a provider response page; a page that is not JSON fails as an unreadable page
    /// named by its call, before anything of it is committed.
    public static func page(_ body: Data, location: String) throws -> JSONValue {
        do {
            return try parse(body)
        } catch {
            throw ConnectorError.unreadablePage(location: location, reason: "\(error)")
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    /// The value when it is a non-empty string.
    public var string: String? {
        if case .string(let text) = self, !text.isEmpty { return text }
        return nil
    }

    /// The value as an integer: a whole number, or a string of digits (providers send both).
    public var int: Int? {
        switch self {
        case .number(let text): return Int(text) ?? Double(text).flatMap { $0 == $0.rounded() ? Int(exactly: $0) : nil }
        case .string(let text): return Int(text)
        default: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .number(let text), .string(let text): return Double(text)
        default: return nil
        }
    }

    /// Decimal text of a number or numeric string (`"3.99"`), for prices.
    public var decimalText: String? {
        switch self {
        case .number(let text), .string(let text): return text.isEmpty ? nil : text
        default: return nil
        }
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var object: JSONObject? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The value as compact JSON text (for request bodies).
    public var serialized: String {
        var text = ""
        write(to: &text)
        return text
    }

    private func write(to text: inout String) {
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .number(let number): text += number
        case .string(let string): Self.writeString(string, to: &text)
        case .array(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                item.write(to: &text)
            }
            text += "]"
        case .object(let object):
            text += "{"
            for (index, member) in object.members.enumerated() {
                if index > 0 { text += "," }
                Self.writeString(member.key, to: &text)
                text += ":"
                member.value.write(to: &text)
            }
            text += "}"
        }
    }

    private static func writeString(_ string: String, to text: inout String) {
        text += JSONString.quoted(string)
    }

    /// Non-empty strings of an array of strings; nil when there are none.
    public var strings: [String]? {
        let values = array?.compactMap(\.string) ?? []
        return values.isEmpty ? nil : values
    }
}

/// A JSON object's members in document order.
///
/// Provider objects have a few dozen members at most; a linear scan over them is cheaper than
/// building and probing a hash table for every object of every page.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public var members: [(key: String, value: JSONValue)]

    public init(members: [(key: String, value: JSONValue)]) {
        self.members = members
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { (key: $0.0, value: $0.1) }
    }

    /// The member named `key` (the last one, should a document repeat a name).
    public subscript(key: String) -> JSONValue? {
        var index = members.count
        while index > 0 {
            index -= 1
            if members[index].key == key { return members[index].value }
        }
        return nil
    }

    public var keys: [String] { members.map(\.key) }
    public var isEmpty: Bool { members.isEmpty }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        members.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// The failure to parse a JSON document, with the byte offset where it went wrong.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public let offset: Int
    public let reason: String
    public var description: String { "malformed JSON at byte \(offset): \(reason)" }
}

extension Data {
    /// Whether `needle` occurs in the data (memchr and memcmp; Foundation's `range(of:)` is
    /// far slower, and this runs on every response).
    func containsBytes(_ needle: Data) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        return withUnsafeBytes { haystack in
            needle.withUnsafeBytes { pattern in
                guard let base = haystack.baseAddress, let wanted = pattern.baseAddress else { return false }
                let first = Int32(pattern[0])
                let last = haystack.count - pattern.count
                var offset = 0
                while offset <= last {
                    guard let hit = memchr(base + offset, first, last - offset + 1) else { return false }
                    let position = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + position, wanted, pattern.count) == 0 { return true }
                    offset = position + 1
                }
                return false
            }
        }
    }
}
