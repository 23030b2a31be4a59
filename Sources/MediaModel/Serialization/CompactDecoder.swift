/// Decodes values written by ``CompactEncoder``. Coding paths are not tracked (the data is the
/// program's own, and tracking them costs an allocation per field); errors say what was wrong.
public struct CompactDecoder: Sendable {
    public init() {}

    /// Decodes a `Value` from `bytes`.
    public func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        try bytes.withUnsafeBytes { try decode(type, from: $0) }
    }

    /// Decodes a `Value` from memory that stays valid for the duration of the call (a mapped file).
    public func decode<Value: Decodable>(_ type: Value.Type, from bytes: UnsafeRawBufferPointer) throws -> Value {
        let reader = CompactReader(base: bytes)
        return try reader.value(Value.self, at: 0, codingPath: [])
    }
}

/// Reads tagged values from a buffer; every read checks bounds and throws on malformed input.
struct CompactReader {
    let base: UnsafeRawBufferPointer

    func corrupt(_ codingPath: [any CodingKey], _ what: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: codingPath, debugDescription: "compact data: \(what)"))
    }

    func byte(_ offset: Int) throws -> UInt8 {
        guard offset >= 0, offset < base.count else { throw corrupt([], "truncated") }
        return base[offset]
    }

    func varint(_ offset: inout Int) throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte(offset)
            offset += 1
            value |= UInt64(next & 0x7f) << shift
            if next < 0x80 { return value }
            shift += 7
            guard shift < 64 else { throw corrupt([], "varint too long") }
        }
    }

    /// The bytes of a length-prefixed string starting at `offset`; moves `offset` past it.
    func rawString(_ offset: inout Int) throws -> UnsafeRawBufferPointer {
        guard let length = Int(exactly: try varint(&offset)), offset >= 0, offset <= base.count,
            length <= base.count - offset
        else { throw corrupt([], "string runs past the end") }
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: base[offset..<offset + length])
    }

    /// The bytes of an object key (a string value) at `offset`; moves `offset` past it.
    func key(_ offset: inout Int) throws -> UnsafeRawBufferPointer {
        guard try byte(offset) == CompactTag.string else { throw corrupt([], "object key is not a string") }
        offset += 1
        return try rawString(&offset)
    }

    /// Nesting deeper than any record or title has; deeper data is refused rather than
    /// followed down until the stack runs out.
    static let maximumDepth = 64

    /// The offset just past the value starting at `offset`.
    func skip(_ offset: Int, depth: Int = 0) throws -> Int {
        guard depth < Self.maximumDepth else { throw corrupt([], "values nested deeper than \(Self.maximumDepth)") }
        var position = offset + 1
        switch try byte(offset) {
        case CompactTag.null, CompactTag.false, CompactTag.true: return position
        case CompactTag.integer:
            _ = try varint(&position)
            return position
        case CompactTag.double:
            guard position <= base.count - 8 else { throw corrupt([], "truncated") }
            return position + 8
        case CompactTag.string:
            _ = try rawString(&position)
            return position
        case CompactTag.array:
            while try byte(position) != CompactTag.end { position = try skip(position, depth: depth + 1) }
            return position + 1
        case CompactTag.object:
            while try byte(position) != CompactTag.end {
                _ = try key(&position)
                position = try skip(position, depth: depth + 1)
            }
            return position + 1
        default: throw corrupt([], "unknown tag at \(offset)")
        }
    }

    func value<Value: Decodable>(_ type: Value.Type, at offset: Int, codingPath: [any CodingKey]) throws -> Value {
        switch type {
        case is String.Type: return try string(at: offset, codingPath) as! Value
        case is Int.Type: return Int(try integer(at: offset, codingPath)) as! Value
        case is Double.Type: return try double(at: offset, codingPath) as! Value
        case is Bool.Type: return try bool(at: offset, codingPath) as! Value
        case let enumeration as any CompactStringValue.Type:
            let text = try string(at: offset, codingPath)
            guard let value = enumeration.init(compactText: text) else {
                throw corrupt(codingPath, "'\(text)' is not a valid \(Value.self)")
            }
            return value as! Value
        default:
            return try Value(from: CompactValueDecoder(reader: self, offset: offset, codingPath: codingPath))
        }
    }

    func string(at offset: Int, _ codingPath: [any CodingKey]) throws -> String {
        guard try byte(offset) == CompactTag.string else { throw mismatch(String.self, codingPath) }
        var position = offset + 1
        return String(decoding: try rawString(&position), as: UTF8.self)
    }

    func integer(at offset: Int, _ codingPath: [any CodingKey]) throws -> Int64 {
        guard try byte(offset) == CompactTag.integer else { throw mismatch(Int.self, codingPath) }
        var position = offset + 1
        let zigzag = try varint(&position)
        return Int64(bitPattern: (zigzag >> 1) ^ (0 &- (zigzag & 1)))
    }

    func double(at offset: Int, _ codingPath: [any CodingKey]) throws -> Double {
        switch try byte(offset) {
        case CompactTag.double:
            guard offset <= base.count - 9 else { throw corrupt(codingPath, "truncated") }
            return Double(
                bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 1, as: UInt64.self))
            )
        case CompactTag.integer: return Double(try integer(at: offset, codingPath))
        default: throw mismatch(Double.self, codingPath)
        }
    }

    func bool(at offset: Int, _ codingPath: [any CodingKey]) throws -> Bool {
        switch try byte(offset) {
        case CompactTag.true: return true
        case CompactTag.false: return false
        default: throw mismatch(Bool.self, codingPath)
        }
    }

    func mismatch(_ type: Any.Type, _ codingPath: [any CodingKey]) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "compact data holds another type"))
    }
}

/// The `Decoder` for one value at an offset.
struct CompactValueDecoder: Decoder {
    let reader: CompactReader
    let offset: Int
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard try reader.byte(offset) == CompactTag.object else {
            throw reader.mismatch([String: Any].self, codingPath)
        }
        var entries: [(key: UnsafeRawBufferPointer, value: Int)] = []
        entries.reserveCapacity(24)
        var position = offset + 1
        while try reader.byte(position) != CompactTag.end {
            let key = try reader.key(&position)
            entries.append((key, position))
            position = try reader.skip(position)
        }
        return KeyedDecodingContainer(
            CompactKeyedDecoding<Key>(reader: reader, entries: entries, codingPath: codingPath)
        )
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard try reader.byte(offset) == CompactTag.array else { throw reader.mismatch([Any].self, codingPath) }
        return CompactUnkeyedDecoding(reader: reader, position: offset + 1, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        CompactSingleDecoding(reader: reader, offset: offset, codingPath: codingPath)
    }
}

struct CompactKeyedDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let reader: CompactReader
    let entries: [(key: UnsafeRawBufferPointer, value: Int)]
    let codingPath: [any CodingKey]

    var allKeys: [Key] {
        entries.compactMap { Key(stringValue: String(decoding: $0.key, as: UTF8.self)) }
    }

    /// The offset of `key`'s value, if present.
    func find(_ key: Key) -> Int? {
        var name = key.stringValue
        return name.withUTF8 { wanted in
            entries.first { $0.key.count == wanted.count && $0.key.elementsEqual(wanted) }?.value
        }
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let offset = find(key) else { return true }
        return try reader.byte(offset) == CompactTag.null
    }

    // Primitive fields skip the generic path and its dynamic casts.
    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try reader.string(at: try require(key), codingPath)
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        Int(try reader.integer(at: try require(key), codingPath))
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try reader.double(at: try require(key), codingPath)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try reader.bool(at: try require(key), codingPath)
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let offset = find(key), try reader.byte(offset) != CompactTag.null else { return nil }
        return try reader.string(at: offset, codingPath)
    }

    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        guard let offset = find(key), try reader.byte(offset) != CompactTag.null else { return nil }
        return Int(try reader.integer(at: offset, codingPath))
    }

    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        guard let offset = find(key), try reader.byte(offset) != CompactTag.null else { return nil }
        return try reader.double(at: offset, codingPath)
    }

    private func require(_ key: Key) throws -> Int {
        guard let offset = find(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return offset
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let offset = find(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return try reader.value(type, at: offset, codingPath: codingPath)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let offset = find(key), try reader.byte(offset) != CompactTag.null else { return nil }
        return try reader.value(type, at: offset, codingPath: codingPath)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        guard let offset = find(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return try CompactValueDecoder(reader: reader, offset: offset, codingPath: codingPath)
            .container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        guard let offset = find(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return try CompactValueDecoder(reader: reader, offset: offset, codingPath: codingPath).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        throw reader.corrupt(codingPath, "super decoders are not supported")
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        throw reader.corrupt(codingPath, "super decoders are not supported")
    }
}

struct CompactUnkeyedDecoding: UnkeyedDecodingContainer {
    let reader: CompactReader
    var position: Int
    let codingPath: [any CodingKey]
    var count: Int? { nil }
    var currentIndex = 0

    init(reader: CompactReader, position: Int, codingPath: [any CodingKey]) {
        self.reader = reader
        self.position = position
        self.codingPath = codingPath
    }

    var isAtEnd: Bool { (try? reader.byte(position)) ?? CompactTag.end == CompactTag.end }

    mutating func decodeNil() throws -> Bool {
        guard try reader.byte(position) == CompactTag.null else { return false }
        position += 1
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: String.Type) throws -> String {
        guard !isAtEnd else { throw reader.corrupt(codingPath, "array ended early") }
        let value = try reader.string(at: position, codingPath)
        position = try reader.skip(position)
        currentIndex += 1
        return value
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !isAtEnd else { throw reader.corrupt(codingPath, "array ended early") }
        let value = try reader.value(type, at: position, codingPath: codingPath)
        position = try reader.skip(position)
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<
        NestedKey
    > {
        let container = try CompactValueDecoder(reader: reader, offset: position, codingPath: codingPath).container(
            keyedBy: type
        )
        position = try reader.skip(position)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let container = try CompactValueDecoder(reader: reader, offset: position, codingPath: codingPath)
            .unkeyedContainer()
        position = try reader.skip(position)
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        throw reader.corrupt(codingPath, "super decoders are not supported")
    }
}

struct CompactSingleDecoding: SingleValueDecodingContainer {
    let reader: CompactReader
    let offset: Int
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { (try? reader.byte(offset)) == CompactTag.null }

    func decode(_ type: String.Type) throws -> String {
        try reader.string(at: offset, codingPath)
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try reader.value(type, at: offset, codingPath: codingPath)
    }
}
