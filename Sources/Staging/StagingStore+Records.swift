import Compression
import Foundation
import GRDB
import MediaModel

/// A quarantined input: what it was, where it came from and why it was refused.
public struct QuarantineEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var runID: Int64
    public var source: String
    public var location: String
    public var reason: String
    public var excerpt: String
}

/// Counts of staged records for one source.
public struct SourceStatistics: Sendable, Codable, Equatable {
    public var source: String
    public var live: Int
    public var tombstoned: Int

    public init(source: String, live: Int, tombstoned: Int) {
        self.source = source
        self.live = live
        self.tombstoned = tombstoned
    }
}

extension StagingStore {
    /// Every live (not tombstoned) record, ordered by source and id; only `source`'s when given.
    public func liveRecords(source: String? = nil) throws -> [SourceRecord] {
        let bodies = try read { db in
            try Data.fetchAll(
                db,
                sql: """
                    SELECT body FROM source_records WHERE tombstoned_run IS NULL AND (? IS NULL OR source = ?)
                    ORDER BY source, source_id
                    """,
                arguments: [source, source]
            )
        }
        // Decoding dominates loading; spread it over the cores.
        return try bodies.parallelMap { body in
            try body.withUnsafeBytes { try CompactDecoder().decode(SourceRecord.self, from: $0) }
        }
    }

    /// Whether any archived payload, decompressed, contains `bytes` (an audit for leaked keys).
    public func rawPayloadsContain(_ bytes: Data) throws -> Bool {
        let bodies = try read { db in try Data.fetchAll(db, sql: "SELECT body FROM raw_payloads") }
        return try bodies.contains { try Zstd.decompress($0).range(of: bytes) != nil }
    }

    /// Live and tombstoned record counts per source, sorted by source.
    public func statistics() throws -> [SourceStatistics] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT source, SUM(tombstoned_run IS NULL) AS live, SUM(tombstoned_run IS NOT NULL) AS dead
                    FROM source_records GROUP BY source ORDER BY source
                    """
            ).map { SourceStatistics(source: $0["source"], live: $0["live"], tombstoned: $0["dead"]) }
        }
    }

    /// Quarantined inputs, newest first.
    public func quarantine(source: String? = nil, limit: Int = 100) throws -> [QuarantineEntry] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM quarantine WHERE (? IS NULL OR source = ?) ORDER BY id DESC LIMIT ?",
                arguments: [source, source, limit]
            ).map {
                QuarantineEntry(
                    id: $0["id"],
                    runID: $0["run_id"],
                    source: $0["source"],
                    location: $0["location"],
                    reason: $0["reason"],
                    excerpt: $0["excerpt"]
                )
            }
        }
    }
}

extension StagingStore {
    /// Changes whenever the live records do: their count, the last run that changed one and the
    /// last that tombstoned one. Resolution compares it to skip matching when nothing changed.
    public func recordsFingerprint() throws -> RecordsFingerprint {
        try read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FILTER (WHERE tombstoned_run IS NULL), COALESCE(MAX(changed_run), 0),
                        COALESCE(MAX(tombstoned_run), 0)
                    FROM source_records
                    """
            )!
            return RecordsFingerprint(live: row[0], changedRun: row[1], tombstonedRun: row[2])
        }
    }
}

extension StagingStore {
    /// Keys (`source:id`) of live records new or changed after `run`.
    public func recordKeys(changedAfter run: Int64) throws -> Set<String> {
        try read { db in
            var keys = Set<String>()
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT source, source_id FROM source_records WHERE changed_run > ? AND tombstoned_run IS NULL",
                arguments: [run]
            )
            while let row = try rows.next() { keys.insert("\(row[0] as String):\(row[1] as String)") }
            return keys
        }
    }
}
