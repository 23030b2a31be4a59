import Compression
import Foundation
import MediaModel

extension Snapshot {
    /// The canonical id of a document, or an empty string for a number the file has no id for
    /// (`verify` refuses such files; this keeps an unverified one from crashing a reader).
    public func id(ofDocument doc: UInt32) -> String {
        let ids = region(.docIDs)
        guard Int(doc) < documentCount else { return "" }
        let start = Int(ids.loadUnaligned(fromByteOffset: 4 + Int(doc) * 4, as: UInt32.self).littleEndian)
        let end = Int(ids.loadUnaligned(fromByteOffset: 8 + Int(doc) * 4, as: UInt32.self).littleEndian)
        let heap = 8 + documentCount * 4
        guard let bytes = try? ids.checkedSlice(heap + start, end - start) else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The document of a canonical id, following the alias table when `followAliases`.
    public func document(forID id: String, followAliases: Bool = true) -> UInt32? {
        var low = 0
        var high = documentCount - 1
        while low <= high {
            let middle = (low + high) / 2
            let candidate = self.id(ofDocument: UInt32(middle))
            if candidate == id { return UInt32(middle) }
            if candidate < id { low = middle + 1 } else { high = middle - 1 }
        }
        if followAliases, let survivor = metadata.aliases[id] {
            return document(forID: survivor, followAliases: false)
        }
        return nil
    }

    /// The title stored for a document; decompresses its block (cached) and decodes one title.
    public func title(_ doc: UInt32) throws -> CanonicalTitle {
        try withTitleBody(doc) { body in
            do {
                return try CompactDecoder().decode(CanonicalTitle.self, from: body)
            } catch {
                throw corruptBlock(Int(doc) / SnapshotFormat.titlesPerBlock)
            }
        }
    }

    /// The display title of a document (`CanonicalTitle.title`), read without decoding the
    /// rest of the stored title.
    public func titleName(_ doc: UInt32) throws -> String {
        try withTitleBody(doc) { body in
            do {
                return try CompactDecoder().titleName(from: body)
            } catch {
                throw corruptBlock(Int(doc) / SnapshotFormat.titlesPerBlock)
            }
        }
    }

    /// Whether document `doc` is stored as exactly `bytes` (a title's compact encoding): equal
    /// titles compare without decoding.
    public func titleBytesEqual(_ doc: UInt32, _ bytes: [UInt8]) throws -> Bool {
        try withTitleBody(doc) { body in body.elementsEqual(bytes) }
    }

    /// Runs `body` over the compact bytes of document `doc`'s title.
    private func withTitleBody<T>(_ doc: UInt32, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let blockNumber = Int(doc) / SnapshotFormat.titlesPerBlock
        let block = try decompressedBlock(blockNumber)
        let position = Int(doc) % SnapshotFormat.titlesPerBlock
        return try block.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            let count = Int(try reader.u32())
            guard position < count else { throw corruptBlock(blockNumber) }
            reader.offset = 4 + position * 4
            let start = Int(try reader.u32())
            let end = Int(try reader.u32())
            let bodies = 4 + (count + 1) * 4
            guard start <= end, let slice = try? raw.checkedSlice(bodies + start, end - start) else {
                throw corruptBlock(blockNumber)
            }
            return try body(slice)
        }
    }

    /// Every title in document order; used by export and diff.
    public func forEachTitle(_ body: (UInt32, CanonicalTitle) throws -> Void) throws {
        for doc in 0..<UInt32(documentCount) {
            try body(doc, try title(doc))
        }
    }

    private func decompressedBlock(_ number: Int) throws -> Data {
        if let cached = blockCache.value(for: number) { return cached }
        var index = ByteReader(region(.docBlockIndex))
        let blockCount = Int(try index.u32())
        guard number < blockCount else { throw corruptBlock(number) }
        index.offset = 4 + number * 16
        guard let offset = try? index.u64Int(), let length = try? index.u32(),
            let compressed = try? region(.docBlocks).checkedSlice(offset, Int(length))
        else { throw corruptBlock(number) }
        let data: Data
        do {
            data = try Zstd.decompress(compressed, limit: Self.maximumBlockBytes)
        } catch {
            throw corruptBlock(number)
        }
        blockCache.insert(data, for: number, cost: data.count)
        return data
    }

    /// A decompressed block holds 32 titles; a frame that claims more than this is not one.
    static let maximumBlockBytes = 64 << 20

    private func corruptBlock(_ number: Int) -> MediaError {
        MediaError(
            .corruptSnapshot,
            "snapshot \((path as NSString).lastPathComponent) is corrupt: section 'docs.blocks' block \(number) does not decode"
        )
    }
}
