import Foundation
import GRDB

extension StagingStore {
    /// Cached vectors of `model` for the given text hashes (SHA-256 of the embedded text);
    /// hashes not in the cache are absent from the result.
    public func cachedEmbeddings(model: String, textHashes: [Data]) throws -> [Data: [Float]] {
        var found: [Data: [Float]] = [:]
        try read { db in
            // SQLite caps bound parameters; 500 per statement stays well under every limit.
            for start in stride(from: 0, to: textHashes.count, by: 500) {
                let chunk = Array(textHashes[start..<min(start + 500, textHashes.count)])
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchCursor(
                    db,
                    sql:
                        "SELECT text_sha256, vector FROM embeddings WHERE model = ? AND text_sha256 IN (\(placeholders))",
                    arguments: StatementArguments([model] + chunk)
                )
                while let row = try rows.next() {
                    let hash: Data = row[0]
                    let blob: Data = row[1]
                    found[hash] = Self.decodeVector(blob)
                }
            }
        }
        return found
    }

    /// Stores computed vectors in one transaction (so an interrupted build keeps every batch it
    /// finished).
    public func storeEmbeddings(model: String, _ vectors: [(textHash: Data, vector: [Float])]) throws {
        let now = ISO8601DateFormatter().string(from: Date())
        try write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO embeddings (model, text_sha256, vector, used_at) VALUES (?, ?, ?, ?)"
            )
            for (hash, vector) in vectors {
                try statement.execute(arguments: [model, hash, Self.encodeVector(vector), now])
            }
        }
    }

    /// Number of cached vectors per model.
    public func embeddingCacheCounts() throws -> [String: Int] {
        try read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT model, COUNT(*) FROM embeddings GROUP BY model") {
                counts[row[0]] = row[1]
            }
            return counts
        }
    }

    /// Float32 little-endian.
    static func encodeVector(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    static func decodeVector(_ data: Data) -> [Float] {
        data.withUnsafeBytes { bytes in
            (0..<(bytes.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
            }
        }
    }
}
