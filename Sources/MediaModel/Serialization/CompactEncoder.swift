/// A compact, self-describing binary form of `Codable` values: how source records are stored in
/// staging and canonical titles in snapshot blocks. Several times faster than JSON both ways,
/// and keys are kept (as strings) so values stay readable by newer and older code alike.
///
/// Wire form, one tag byte per value:
/// `0` nil · `1` false · `2` true · `3` integer (zigzag varint) · `4` double (8 bytes LE) ·
/// `5` string (varint length, UTF-8) · `6` array (values…, `8`) · `7` object ((key, value)…, `8`)
/// where a key is a string value, and `8` ends an array or object. Dictionary keys are written
/// sorted, so equal values always give equal bytes (staging hashes them).
public struct CompactEncoder: Sendable {
    public init() {}

    /// The compact bytes of `value`.
    public func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let sink = CompactSink()
        try sink.write(value, codingPath: [])
        return sink.bytes
    }
}

enum CompactTag {
    static let null: UInt8 = 0
    static let `false`: UInt8 = 1
    static let `true`: UInt8 = 2
    static let integer: UInt8 = 3
    static let double: UInt8 = 4
    static let string: UInt8 = 5
    static let array: UInt8 = 6
    static let object: UInt8 = 7
    static let end: UInt8 = 8
}

/// The byte buffer every container of one encoding appends to, in the order Codable visits values.
final class CompactSink {
    var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(512)
    }

    func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    func integer(_ value: Int64) {
        bytes.append(CompactTag.integer)
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    func double(_ value: Double) {
        bytes.append(CompactTag.double)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    func string(_ value: String) {
        bytes.append(CompactTag.string)
        raw(value)
    }

    func raw(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Writes any value: primitives directly, others through their `encode(to:)`, closing the
    /// container they opened once it returns.
    func write<Value: Encodable>(_ value: Value, codingPath: [any CodingKey]) throws {
        switch value {
        case let text as String: string(text)
        case let int as Int: integer(Int64(int))
        case let bool as Bool: bytes.append(bool ? CompactTag.true : CompactTag.false)
        case let number as Double: double(number)
        case let number as Float: double(Double(number))
        case let int as Int64: integer(int)
        case let int as Int32: integer(Int64(int))
        case let int as UInt32: integer(Int64(int))
        case let int as UInt8: integer(Int64(int))
        case let value as any CompactStringValue:
            string(value.compactText)
        case let dictionary as any StringKeyedEncodable:
            try dictionary.writeSorted(to: self, codingPath: codingPath)
        default:
            let encoder = CompactValueEncoder(sink: self, codingPath: codingPath)
            try value.encode(to: encoder)
            switch encoder.opened {
            case .none: bytes.append(CompactTag.null)
            case .single: break
            case .keyed, .unkeyed: bytes.append(CompactTag.end)
            }
        }
    }
}

/// Enumerations stored as their string raw value, written and read without going through an
/// `Encoder` (the common case in offers: monetization, quality, and kinds and genres).
public protocol CompactStringValue {
    var compactText: String { get }
    init?(compactText: String)
}

extension CompactStringValue where Self: RawRepresentable, RawValue == String {
    public var compactText: String { rawValue }
    public init?(compactText: String) { self.init(rawValue: compactText) }
}

extension TitleKind: CompactStringValue {}
extension Genre: CompactStringValue {}
extension Monetization: CompactStringValue {}
extension VideoQuality: CompactStringValue {}

/// String-keyed dictionaries, whose keys are written in sorted order for deterministic bytes.
protocol StringKeyedEncodable {
    func writeSorted(to sink: CompactSink, codingPath: [any CodingKey]) throws
}

extension Dictionary: StringKeyedEncodable where Key == String, Value: Encodable {
    func writeSorted(to sink: CompactSink, codingPath: [any CodingKey]) throws {
        sink.bytes.append(CompactTag.object)
        for key in keys.sorted() {
            sink.string(key)
            try sink.write(self[key]!, codingPath: codingPath)
        }
        sink.bytes.append(CompactTag.end)
    }
}

/// The `Encoder` handed to one value; remembers which container it opened.
final class CompactValueEncoder: Encoder {
    enum Opened { case none, single, keyed, unkeyed }

    let sink: CompactSink
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var opened = Opened.none

    init(sink: CompactSink, codingPath: [any CodingKey]) {
        self.sink = sink
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        precondition(opened == .none, "CompactEncoder: a value opened two containers")
        opened = .keyed
        sink.bytes.append(CompactTag.object)
        return KeyedEncodingContainer(CompactKeyedContainer<Key>(sink: sink, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        precondition(opened == .none, "CompactEncoder: a value opened two containers")
        opened = .unkeyed
        sink.bytes.append(CompactTag.array)
        return CompactUnkeyedContainer(sink: sink, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        precondition(opened == .none, "CompactEncoder: a value opened two containers")
        opened = .single
        return CompactSingleContainer(sink: sink, codingPath: codingPath)
    }
}

struct CompactKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: CompactSink
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws {
        sink.string(key.stringValue)
        sink.bytes.append(CompactTag.null)
    }

    // Primitive fields skip the generic path and its dynamic casts.
    mutating func encode(_ value: String, forKey key: Key) throws {
        sink.string(key.stringValue)
        sink.string(value)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        sink.string(key.stringValue)
        sink.integer(Int64(value))
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        sink.string(key.stringValue)
        sink.double(value)
    }

    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }

    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }

    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        sink.string(key.stringValue)
        try sink.write(value, codingPath: codingPath)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        fatalError("CompactEncoder does not support nested containers; encode a nested value instead")
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        fatalError("CompactEncoder does not support nested containers; encode a nested value instead")
    }

    mutating func superEncoder() -> any Encoder {
        fatalError("CompactEncoder does not support super encoders")
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        fatalError("CompactEncoder does not support super encoders")
    }
}

struct CompactUnkeyedContainer: UnkeyedEncodingContainer {
    let sink: CompactSink
    let codingPath: [any CodingKey]
    var count = 0

    mutating func encodeNil() throws {
        sink.bytes.append(CompactTag.null)
        count += 1
    }

    mutating func encode(_ value: String) throws {
        sink.string(value)
        count += 1
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try sink.write(value, codingPath: codingPath)
        count += 1
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<
        NestedKey
    > {
        fatalError("CompactEncoder does not support nested containers; encode a nested value instead")
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        fatalError("CompactEncoder does not support nested containers; encode a nested value instead")
    }

    mutating func superEncoder() -> any Encoder {
        fatalError("CompactEncoder does not support super encoders")
    }
}

struct CompactSingleContainer: SingleValueEncodingContainer {
    let sink: CompactSink
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { sink.bytes.append(CompactTag.null) }

    mutating func encode(_ value: String) throws { sink.string(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try sink.write(value, codingPath: codingPath)
    }
}
