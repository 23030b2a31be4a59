import Compression
import Crypto
import Foundation
import MediaModel

/// An open, memory-mapped snapshot file.
///
/// Opening reads the header, footer and section table and checks their integrity and the
/// format version, decodes the small sections (metadata, restarts, facet dictionary) after
/// checking their checksums, and leaves everything else mapped and untouched until queried.
/// ``verify()`` checks every section and the whole-file SHA-256.
public final class Snapshot: @unchecked Sendable {
    /// One entry of the section table.
    public struct SectionInfo: Sendable, Codable, Equatable {
        public var name: String
        public var offset: Int
        public var length: Int
        public var checksum: UInt32
    }

    /// A term of the dictionary and where its postings are.
    public struct TermEntry: Sendable, Equatable {
        public var term: String
        public var documentFrequency: Int
        var postingsOffset: Int
        var postingsLength: Int
    }

    public let path: String
    public let metadata: SnapshotMetadata
    public let sections: [SectionInfo]
    /// SHA-256 of the file up to the footer, as recorded in the footer (hex).
    public let recordedDigest: String
    let file: MappedFile
    private let regions: [SnapshotFormat.Section: UnsafeRawBufferPointer]
    let restartOffsets: [Int]
    let facetEntries: [FacetField: [String: (count: Int, offset: Int, length: Int)]]
    /// Decompressed title blocks: 32 MB, a few thousand blocks of typical titles. A page of ten
    /// hits touches up to ten blocks; a daemon answering a few hundred popular queries keeps all
    /// of theirs.
    let blockCache = BoundedCache<Int, Data>(budget: 32 << 20)

    /// Opens the snapshot at `path`; throws a ``MediaError`` naming the file and what is wrong.
    public init(path: String) throws {
        self.path = path
        do {
            file = try MappedFile(path: path)
        } catch {
            throw MediaError(error.isMissing ? .notFound : .io, "cannot open snapshot \(path): \(error.reason)")
        }
        let bytes = file.bytes
        let name = (path as NSString).lastPathComponent
        func corrupt(_ what: String) -> MediaError {
            MediaError(.corruptSnapshot, "snapshot \(name) is corrupt: \(what)")
        }
        guard bytes.count >= SnapshotFormat.headerLength + SnapshotFormat.footerLength else {
            throw corrupt("file is \(bytes.count) bytes, too short to hold a header and footer (truncated?)")
        }
        guard Array(bytes.slice(0, 8)) == SnapshotFormat.headerMagic else {
            throw corrupt("header magic is wrong: not a mediagw snapshot")
        }
        var header = ByteReader(bytes, offset: 8)
        let version = try header.u32()
        guard SnapshotFormat.readableVersions.contains(version) else {
            let readable = SnapshotFormat.readableVersions
            throw MediaError(
                .unsupportedFormat,
                "snapshot \(name) has format version \(version); this mediagw reads versions "
                    + "\(readable.lowerBound) to \(readable.upperBound)"
                    + (version > readable.upperBound ? " (upgrade mediagw to read it)" : "")
            )
        }
        let headerLength = try header.u32()
        guard headerLength == SnapshotFormat.headerLength else {
            throw corrupt("header length is \(headerLength), not \(SnapshotFormat.headerLength)")
        }
        let headerBuildID = Array(try header.bytes(16))
        let footerStart = bytes.count - SnapshotFormat.footerLength
        guard Array(bytes.slice(bytes.count - 8, 8)) == SnapshotFormat.footerMagic else {
            throw corrupt("footer magic is missing (truncated file?)")
        }
        // Every footer field is checked against what it must equal: the footer lies outside the
        // whole-file digest, so a field read and discarded would let a flipped bit through.
        var footer = ByteReader(bytes, offset: footerStart)
        guard let tableOffset = try? footer.u64Int(), let tableLength = try? footer.u64Int(),
            tableOffset >= SnapshotFormat.headerLength, tableOffset <= footerStart, tableLength >= 4,
            tableLength <= footerStart - tableOffset
        else { throw corrupt("section table lies outside the file") }
        guard tableOffset + tableLength == footerStart else {
            throw corrupt("section table does not end where the footer begins")
        }
        let tableChecksum = try footer.u32()
        let footerVersion = try footer.u32()
        guard footerVersion == version else {
            throw corrupt("footer format version \(footerVersion) does not match the header's \(version)")
        }
        recordedDigest = Hex.encode(try footer.bytes(32))
        let table = bytes.slice(tableOffset, tableLength)
        guard CRC32.checksum(table) == tableChecksum else { throw corrupt("section table checksum mismatch") }
        var reader = ByteReader(table)
        let count = Int(try reader.u32())
        guard count <= (tableLength - 4) / SnapshotFormat.sectionEntryLength,
            4 + count * SnapshotFormat.sectionEntryLength == tableLength
        else { throw corrupt("section table holds \(tableLength) bytes, not \(count) entries") }
        var sections: [SectionInfo] = []
        var regions: [SnapshotFormat.Section: UnsafeRawBufferPointer] = [:]
        for _ in 0..<count {
            let rawName = Array(try reader.bytes(16)).prefix { $0 != 0 }
            let sectionName = String(decoding: rawName, as: UTF8.self)
            guard let offset = try? reader.u64Int(), let length = try? reader.u64Int(),
                offset >= SnapshotFormat.headerLength, offset <= tableOffset, length <= tableOffset - offset
            else { throw corrupt("section '\(sectionName)' lies outside the file") }
            let info = SectionInfo(name: sectionName, offset: offset, length: length, checksum: try reader.u32())
            _ = try reader.u32()
            _ = try reader.u64()
            guard !sections.contains(where: { $0.name == info.name }) else {
                throw corrupt("section '\(info.name)' appears twice")
            }
            sections.append(info)
            if let section = SnapshotFormat.Section(rawValue: info.name) {
                regions[section] = bytes.slice(info.offset, info.length)
            }
        }
        for section in SnapshotFormat.Section.allCases where !section.isOptional && regions[section] == nil {
            throw corrupt("section '\(section.rawValue)' is missing")
        }
        self.sections = sections
        self.regions = regions
        // The small sections are decoded now, so check them first.
        for section in [SnapshotFormat.Section.meta, .termRestarts, .facets, .docBlockIndex] {
            let info = sections.first { $0.name == section.rawValue }!
            guard CRC32.checksum(regions[section]!) == info.checksum else {
                throw corrupt("section '\(section.rawValue)' checksum mismatch")
            }
        }
        do {
            metadata = try JSONDecoder().decode(SnapshotMetadata.self, from: Data(regions[.meta]!))
        } catch {
            throw corrupt("section 'meta' does not decode: \(error)")
        }
        guard UUID(uuidString: metadata.buildID).map({ withUnsafeBytes(of: $0.uuid) { Array($0) } }) == headerBuildID
        else { throw corrupt("section 'meta' names build \(metadata.buildID), the header another") }
        try Self.checkSizes(metadata, regions, corrupt)
        do {
            var restarts = ByteReader(regions[.termRestarts]!)
            let restartCount = Int(try restarts.u32())
            guard restartCount == (regions[.termRestarts]!.count - 4) / 4 else { throw ByteReader.OutOfBounds() }
            restartOffsets = try (0..<restartCount).map { _ in Int(try restarts.u32()) }
            facetEntries = try Self.decodeFacetDictionary(regions[.facets]!)
        } catch {
            throw corrupt("section '\(SnapshotFormat.Section.termRestarts.rawValue)' or 'facets' is malformed")
        }
    }

    /// Checks that the fixed-size sections have the sizes the metadata implies, so that reading
    /// a document's id, norm, block or vector by its number stays inside its section.
    private static func checkSizes(
        _ metadata: SnapshotMetadata,
        _ regions: [SnapshotFormat.Section: UnsafeRawBufferPointer],
        _ corrupt: (String) -> MediaError
    ) throws {
        let count = metadata.titleCount
        // A bound far above any real catalog keeps every product below from overflowing.
        guard count >= 0, count < 1 << 32 else { throw corrupt("section 'meta' has a title count of \(count)") }
        let ids = regions[.docIDs]!
        guard ids.count >= 8 + count * 4, Self.leadingCount(ids) == count else {
            throw corrupt("section 'docs.ids' does not hold \(count) titles")
        }
        guard regions[.norms]!.count == count * 2 else {
            throw corrupt("section 'lex.norms' does not hold \(count) titles")
        }
        let blocks = (count + SnapshotFormat.titlesPerBlock - 1) / SnapshotFormat.titlesPerBlock
        let blockIndex = regions[.docBlockIndex]!
        guard blockIndex.count == 4 + blocks * 16, Self.leadingCount(blockIndex) == blocks else {
            throw corrupt("section 'docs.blockindex' does not hold \(blocks) blocks")
        }
        if let embedding = metadata.embedding {
            guard embedding.count == count, embedding.dimension > 0, embedding.dimension <= 65_536,
                regions[.vectorCodes]?.count == count * embedding.dimension,
                regions[.vectorScales]?.count == count * 4
            else { throw corrupt("vector sections do not match \(count) titles of dimension \(embedding.dimension)") }
            if embedding.graph != nil && regions[.vectorGraph] == nil {
                throw corrupt("section 'vec.graph' is missing")
            }
        }
    }

    /// The `u32` count a section begins with.
    private static func leadingCount(_ region: UnsafeRawBufferPointer) -> Int? {
        var reader = ByteReader(region)
        return (try? reader.u32()).map(Int.init)
    }

    func region(_ section: SnapshotFormat.Section) -> UnsafeRawBufferPointer { regions[section]! }

    func optionalRegion(_ section: SnapshotFormat.Section) -> UnsafeRawBufferPointer? { regions[section] }

    /// File size in bytes.
    public var fileSize: Int { file.bytes.count }

    /// Number of titles (documents).
    public var documentCount: Int { metadata.titleCount }

    private static func decodeFacetDictionary(
        _ bytes: UnsafeRawBufferPointer
    ) throws -> [FacetField: [String: (count: Int, offset: Int, length: Int)]] {
        var reader = ByteReader(bytes)
        var entries: [FacetField: [String: (count: Int, offset: Int, length: Int)]] = [:]
        let count = Int(try reader.u32())
        for _ in 0..<count {
            let code = Int(try reader.u8())
            guard code < FacetField.allCases.count else { throw ByteReader.OutOfBounds() }
            let field = FacetField.allCases[code]
            let value = String(decoding: try reader.bytes(try reader.int()), as: UTF8.self)
            entries[field, default: [:]][value] = (try reader.int(), try reader.int(), try reader.int())
        }
        return entries
    }

    /// Calls `body(doc, weightedFrequency)` for each posting of `entry`.
    public func forEachPosting(_ entry: TermEntry, _ body: (UInt32, UInt8) -> Void) throws {
        var docs: [UInt32] = []
        var frequencies: [UInt8] = []
        try postings(entry, docs: &docs, frequencies: &frequencies)
        for (doc, frequency) in zip(docs, frequencies) { body(doc, frequency) }
    }

    /// Decodes the postings of `entry` into `docs` (ascending) and `frequencies`, replacing what
    /// they held, in one tight loop: a caller's scoring loop then runs without a call per
    /// posting across the module boundary. The arrays keep their capacity for the next term.
    public func postings(_ entry: TermEntry, docs: inout [UInt32], frequencies: inout [UInt8]) throws {
        let bytes = try region(.postings).checkedSlice(entry.postingsOffset, entry.postingsLength)
        docs.removeAll(keepingCapacity: true)
        frequencies.removeAll(keepingCapacity: true)
        // Each posting takes at least two bytes; the frequency in the dictionary is not trusted.
        docs.reserveCapacity(bytes.count / 2)
        frequencies.reserveCapacity(bytes.count / 2)
        let count = UInt32(documentCount)
        let end = bytes.count
        var position = 0
        var doc: UInt32 = 0
        while position < end {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < end, shift < 64 else { throw ByteReader.OutOfBounds() }
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            let delta = UInt32(truncatingIfNeeded: value)
            doc = docs.isEmpty ? delta : doc &+ delta
            // Searches index per-document arrays by these numbers.
            guard doc < count, position < end else { throw ByteReader.OutOfBounds() }
            docs.append(doc)
            frequencies.append(bytes[position])
            position += 1
        }
    }

    /// Weighted lengths of all documents (their field norms), in document order.
    public func documentLengths() -> [UInt16] {
        let norms = region(.norms)
        return (0..<documentCount).map { norms.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self).littleEndian }
    }

    // MARK: Facets

    /// The values of a facet with their document counts, sorted by value.
    public func facetValues(_ field: FacetField) -> [(value: String, count: Int)] {
        (facetEntries[field] ?? [:]).map { ($0.key, $0.value.count) }.sorted { $0.value < $1.value }
    }

    /// The sorted documents having `value` in `field`.
    public func facetDocuments(_ field: FacetField, _ value: String) throws -> [UInt32] {
        guard let entry = facetEntries[field]?[value] else { return [] }
        var reader = ByteReader(try region(.facetPostings).checkedSlice(entry.offset, entry.length))
        let count = UInt32(documentCount)
        var docs: [UInt32] = []
        docs.reserveCapacity(min(entry.count, documentCount))
        var doc: UInt32 = 0
        while !reader.isAtEnd {
            let delta = UInt32(truncatingIfNeeded: try reader.varint())
            doc = docs.isEmpty ? delta : doc &+ delta
            guard doc < count else { throw ByteReader.OutOfBounds() }
            docs.append(doc)
        }
        return docs
    }
}
