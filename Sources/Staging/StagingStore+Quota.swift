import Foundation
import GRDB

extension StagingStore {
    /// Units spent by a key (named by its source, never its value) on a provider's quota day.
    public func quotaUsed(provider: String, key: String, day: String) throws -> Int {
        try read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT units FROM quota_ledger WHERE provider = ? AND key = ? AND day = ?",
                arguments: [provider, key, day]
            ) ?? 0
        }
    }

    /// Adds units to a key's spend for the day and returns the new total.
    public func chargeQuota(provider: String, key: String, day: String, units: Int) throws -> Int {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO quota_ledger (provider, key, day, units, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (provider, key, day) DO UPDATE
                    SET units = units + excluded.units, updated_at = excluded.updated_at
                    """,
                arguments: [provider, key, day, units, Self.timestamp()]
            )
            return try Int.fetchOne(
                db,
                sql: "SELECT units FROM quota_ledger WHERE provider = ? AND key = ? AND day = ?",
                arguments: [provider, key, day]
            ) ?? units
        }
    }

    /// The ledger's rows for a day (all providers and keys), for reports.
    public func quotaLedger(day: String? = nil) throws -> [(provider: String, key: String, day: String, units: Int)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM quota_ledger WHERE (? IS NULL OR day = ?) ORDER BY day DESC, provider, key",
                arguments: [day, day]
            ).map { ($0["provider"], $0["key"], $0["day"], $0["units"]) }
        }
    }

    /// Deletes a saved cursor (a finished backfill, a reset stream).
    public func deleteCursor(job: String, stream: String) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM cursors WHERE job = ? AND stream = ?", arguments: [job, stream])
        }
    }

    /// Records how one stream of a run ended.
    public func recordStream(runID: Int64, stream: StreamRecord) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO run_streams
                        (run_id, stream, outcome, pages, requests, quota_units, read, new, changed, unchanged,
                         quarantined, tombstoned, resumes_after, message, unmapped)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    runID, stream.stream, stream.outcome, stream.pages, stream.requests, stream.quotaUnits,
                    stream.counts.read, stream.counts.new,
                    stream.counts.changed, stream.counts.unchanged, stream.counts.quarantined,
                    stream.counts.tombstoned, stream.resumesAfter, stream.message, stream.unmappedJSON,
                ]
            )
        }
    }

    /// The per-stream detail of a run.
    public func streams(runID: Int64) throws -> [StreamRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run_streams WHERE run_id = ? ORDER BY stream", arguments: [runID])
                .map { row in
                    var counts = IngestCounts()
                    counts.read = row["read"]
                    counts.new = row["new"]
                    counts.changed = row["changed"]
                    counts.unchanged = row["unchanged"]
                    counts.quarantined = row["quarantined"]
                    counts.tombstoned = row["tombstoned"]
                    return StreamRecord(
                        stream: row["stream"],
                        outcome: row["outcome"],
                        pages: row["pages"],
                        requests: row["requests"],
                        quotaUnits: row["quota_units"],
                        counts: counts,
                        resumesAfter: row["resumes_after"],
                        message: row["message"],
                        unmappedJSON: row["unmapped"]
                    )
                }
        }
    }
}

/// How one stream of a run ended.
public struct StreamRecord: Sendable, Codable, Equatable {
    /// `provider/stream`.
    public var stream: String
    public var outcome: StreamOutcome
    public var pages: Int
    /// HTTP requests sent, retries included.
    public var requests: Int
    /// Quota units charged to the provider's ledger.
    public var quotaUnits: Int
    public var counts: IngestCounts
    public var resumesAfter: String?
    public var message: String?
    /// Unmapped provider values and their counts, as JSON.
    public var unmappedJSON: String?

    public init(
        stream: String,
        outcome: StreamOutcome,
        pages: Int,
        requests: Int = 0,
        quotaUnits: Int = 0,
        counts: IngestCounts,
        resumesAfter: String? = nil,
        message: String? = nil,
        unmappedJSON: String? = nil
    ) {
        self.stream = stream
        self.outcome = outcome
        self.pages = pages
        self.requests = requests
        self.quotaUnits = quotaUnits
        self.counts = counts
        self.resumesAfter = resumesAfter
        self.message = message
        self.unmappedJSON = unmappedJSON
    }
}
