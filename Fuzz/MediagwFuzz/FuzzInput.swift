import Compression
import Connectors
import Crypto
import Foundation
import MediaModel
import Search
import Snapshots
import Staging

/// One fuzz input. The first byte chooses what reads the rest:
/// - 0: the snapshot reader, on the bytes as they are (open, verify, and every read if it verifies);
/// - 1: the same after fixing every checksum in the file, so that mutations reach the readers
///   behind `verify` (dictionary, postings, blocks, facets, vectors, graph);
/// - 2: the archive's payload-of-parts decoder;
/// - 3: the source-record JSONL decoder, and the compact decoder on the same bytes.
/// Nothing here may crash, whatever the bytes: errors are the expected outcome.
enum FuzzInput {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let selector = input.first else { return }
        let body = Data(input.dropFirst())
        switch selector % 4 {
        case 0: readSnapshot(body)
        case 1: readSnapshot(fixingChecksums(body))
        case 2: _ = try? ArchiveParts.unpack(body)
        default:
            _ = SourceRecordDecoder(source: "fuzz", now: Date(timeIntervalSince1970: 1_800_000_000)).decode(body)
            _ = try? CompactDecoder().decode(SourceRecord.self, from: [UInt8](body))
            _ = try? CompactDecoder().decode(CanonicalTitle.self, from: [UInt8](body))
        }
    }

    /// A file of this process's own in memory-backed storage where there is one.
    static let path: String = {
        let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return (directory as NSString).appendingPathComponent("mediagw-fuzz-\(getpid()).mgws")
    }()

    static func readSnapshot(_ bytes: Data) {
        guard (try? bytes.write(to: URL(fileURLWithPath: path))) != nil else { return }
        guard let snapshot = try? Snapshot.verified(path: path) else { return }
        exercise(snapshot)
    }

    /// Every read a query, an export or a diff makes.
    static func exercise(_ snapshot: Snapshot) {
        _ = snapshot.documentLengths()
        for field in FacetField.allCases {
            for (value, _) in snapshot.facetValues(field).prefix(8) { _ = try? snapshot.facetDocuments(field, value) }
        }
        let count = UInt32(snapshot.documentCount)
        for doc in 0..<min(count, 40) {
            _ = try? snapshot.title(doc)
            _ = snapshot.document(forID: snapshot.id(ofDocument: doc))
        }
        _ = snapshot.document(forID: "mg-none")
        let engine = SearchEngine(snapshot: snapshot)
        for text in ["film", "the cat sat", "fi", "flim", "zzzz"] {
            var query = SearchQuery(text: text, limit: 5)
            query.facets = [.genre, .offer]
            _ = try? engine.search(query)
        }
        var filtered = SearchQuery(text: "", limit: 5)
        filtered.filters.genres = [.drama]
        _ = try? engine.search(filtered)
        if count > 0 {
            _ = try? engine.similar(to: 0, SearchQuery(text: "", limit: 5))
            if let vectors = snapshot.vectors {
                var semantic = SearchQuery(text: "film", limit: 5)
                semantic.mode = .hybrid
                semantic.vector = vectors.vector(0)
                _ = try? engine.search(semantic)
            }
        }
    }

    /// `bytes` with every section's CRC-32, the table's CRC-32, the footer's version and the
    /// whole-file SHA-256 made to match, where the footer and table can be found at all.
    static func fixingChecksums(_ bytes: Data) -> Data {
        var file = [UInt8](bytes)
        let footerStart = file.count - 64
        guard footerStart >= 32 else { return bytes }
        func u64(_ at: Int) -> Int {
            Int(truncatingIfNeeded: (0..<8).reduce(UInt64(0)) { $0 | UInt64(file[at + $1]) << (8 * $1) })
        }
        func put32(_ value: UInt32, at: Int) {
            for index in 0..<4 { file[at + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        }
        let tableOffset = u64(footerStart)
        let tableLength = u64(footerStart + 8)
        guard tableOffset >= 32, tableLength >= 4, tableOffset <= footerStart, tableLength <= footerStart - tableOffset
        else { return bytes }
        let count = (tableLength - 4) / 48
        for entry in 0..<count {
            let at = tableOffset + 4 + entry * 48
            let offset = u64(at + 16)
            let length = u64(at + 24)
            guard offset >= 0, length >= 0, offset <= file.count, length <= file.count - offset else { continue }
            put32(file[offset..<offset + length].withUnsafeBytes { CRC32.checksum($0) }, at: at + 32)
        }
        put32(
            file[tableOffset..<tableOffset + tableLength].withUnsafeBytes { CRC32.checksum($0) },
            at: footerStart + 16
        )
        for index in 0..<4 { file[footerStart + 20 + index] = file[8 + index] }
        let digest = Array(SHA256.hash(data: file[0..<footerStart]))
        file.replaceSubrange(footerStart + 24..<footerStart + 56, with: digest)
        return Data(file)
    }
}
