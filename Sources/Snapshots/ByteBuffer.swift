import Foundation

/// Appends little-endian integers and LEB128 varints to a growing byte array.
struct ByteWriter {
    var bytes: [UInt8] = []

    var count: Int { bytes.count }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func varint(_ value: Int) { varint(UInt64(value)) }

    mutating func append<Bytes: Sequence>(_ data: Bytes) where Bytes.Element == UInt8 { bytes.append(contentsOf: data) }

    /// Pads with zeros to a multiple of `alignment`.
    mutating func align(_ alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }
}

/// Reads little-endian integers and varints from memory, refusing to read past the end.
///
/// Everything it reads comes from a file that may be damaged or hostile, so no read traps: every
/// bound is checked without overflowing, and the integer readers that return `Int` throw when a
/// value does not fit instead of converting with a trap.
struct ByteReader {
    /// Thrown when a read would pass the end or a value is out of range: the data is truncated or corrupt.
    struct OutOfBounds: Error {}

    let base: UnsafeRawBufferPointer
    var offset: Int

    init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
        self.base = base
        self.offset = offset
    }

    var isAtEnd: Bool { offset >= base.count }

    /// Whether `count` more bytes can be read from `offset`.
    private func has(_ count: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= base.count && count <= base.count - offset
    }

    mutating func u8() throws -> UInt8 {
        guard has(1) else { throw OutOfBounds() }
        defer { offset += 1 }
        return base[offset]
    }

    mutating func u16() throws -> UInt16 {
        guard has(2) else { throw OutOfBounds() }
        defer { offset += 2 }
        return base.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian
    }

    mutating func u32() throws -> UInt32 {
        guard has(4) else { throw OutOfBounds() }
        defer { offset += 4 }
        return base.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
    }

    mutating func u64() throws -> UInt64 {
        guard has(8) else { throw OutOfBounds() }
        defer { offset += 8 }
        return base.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
    }

    /// A `u64` offset or length; throws when it does not fit in an `Int`.
    mutating func u64Int() throws -> Int {
        guard let value = Int(exactly: try u64()) else { throw OutOfBounds() }
        return value
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard has(1), shift < 64 else { throw OutOfBounds() }
            let byte = base[offset]
            offset += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// A varint count, offset or length; throws when it does not fit in an `Int`.
    mutating func int() throws -> Int {
        guard let value = Int(exactly: try varint()) else { throw OutOfBounds() }
        return value
    }

    mutating func bytes(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard has(count) else { throw OutOfBounds() }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: base[offset..<offset + count])
    }
}

extension UnsafeRawBufferPointer {
    /// A sub-range as its own buffer; the range must lie inside (the caller checked it).
    func slice(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[offset..<offset + count])
    }

    /// A sub-range read from a file: throws instead of trapping when it does not lie inside.
    func checkedSlice(_ offset: Int, _ count: Int) throws -> UnsafeRawBufferPointer {
        guard offset >= 0, count >= 0, offset <= self.count, count <= self.count - offset else {
            throw ByteReader.OutOfBounds()
        }
        return slice(offset, count)
    }
}
