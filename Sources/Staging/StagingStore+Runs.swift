import Foundation
import GRDB

/// One row of run history.
public struct RunRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var job: String
    public var kind: String
    public var startedAt: String
    public var finishedAt: String?
    public var outcome: RunOutcome
    public var counts: IngestCounts
    public var snapshot: String?
    public var message: String?
    /// HTTP requests and quota units of the run's streams.
    public var requests: Int
    public var quotaUnits: Int
    /// The stages that followed the ingest (JSON written by the job runner).
    public var stages: String?
}

extension StagingStore {
    /// Starts a run and returns its id. Runs that never finish (a crash) stay `running` and are
    /// marked `interrupted` by the next ``beginRun(job:kind:)``of the same job.
    public func beginRun(job: String, kind: String) throws -> Int64 {
        try write { db in
            try db.execute(
                sql: "UPDATE runs SET outcome = 'interrupted' WHERE job = ? AND outcome = 'running'",
                arguments: [job]
            )
            try db.execute(
                sql: "INSERT INTO runs (job, kind, started_at) VALUES (?, ?, ?)",
                arguments: [job, kind, Self.timestamp()]
            )
            return db.lastInsertedRowID
        }
    }

    /// Records how a run ended.
    public func finishRun(
        id: Int64,
        outcome: RunOutcome,
        counts: IngestCounts,
        snapshot: String? = nil,
        message: String? = nil,
        stages: String? = nil
    ) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET finished_at = ?, outcome = ?, read = ?, new = ?, changed = ?, unchanged = ?,
                        quarantined = ?, tombstoned = ?, snapshot = ?, message = ?, stages = ?
                    WHERE id = ?
                    """,
                arguments: [
                    Self.timestamp(), outcome, counts.read, counts.new, counts.changed, counts.unchanged,
                    counts.quarantined, counts.tombstoned, snapshot, message, stages, id,
                ]
            )
        }
    }

    /// The newest runs first.
    public func runs(job: String? = nil, limit: Int = 20) throws -> [RunRecord] {
        try fetchRuns(where: "(? IS NULL OR job = ?)", arguments: [job, job], limit: limit)
    }

    /// One run by id.
    public func run(id: Int64) throws -> RunRecord? {
        try fetchRuns(where: "id = ?", arguments: [id], limit: 1).first
    }

    private func fetchRuns(where condition: String, arguments: StatementArguments, limit: Int) throws -> [RunRecord] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT runs.*,
                        (SELECT COALESCE(SUM(requests), 0) FROM run_streams WHERE run_id = runs.id) AS requests,
                        (SELECT COALESCE(SUM(quota_units), 0) FROM run_streams WHERE run_id = runs.id) AS quota_units
                    FROM runs WHERE \(condition) ORDER BY id DESC LIMIT ?
                    """,
                arguments: arguments + [limit]
            )
            return rows.map { row in
                RunRecord(
                    id: row["id"],
                    job: row["job"],
                    kind: row["kind"],
                    startedAt: row["started_at"],
                    finishedAt: row["finished_at"],
                    outcome: row["outcome"],
                    counts: Self.counts(row),
                    snapshot: row["snapshot"],
                    message: row["message"],
                    requests: row["requests"],
                    quotaUnits: row["quota_units"],
                    stages: row["stages"]
                )
            }
        }
    }

    /// Deletes `job`'s finished runs (and their stream detail) that started before `cutoff`,
    /// always keeping the newest one. Returns how many went.
    @discardableResult
    public func pruneRuns(job: String, startedBefore cutoff: Date) throws -> Int {
        let stamp = cutoff.formatted(.iso8601)
        return try write { db in
            let condition = """
                job = ? AND started_at < ? AND outcome != 'running'
                AND id != (SELECT MAX(id) FROM runs WHERE job = ?)
                """
            try db.execute(
                sql: "DELETE FROM run_streams WHERE run_id IN (SELECT id FROM runs WHERE \(condition))",
                arguments: [job, stamp, job]
            )
            try db.execute(sql: "DELETE FROM runs WHERE \(condition)", arguments: [job, stamp, job])
            return db.changesCount
        }
    }

    /// How each stream ended the last time `job` ran it, by stream.
    public func lastStreamOutcomes(job: String) throws -> [String: StreamOutcome] {
        try read { db in
            var result: [String: StreamOutcome] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT s.stream, s.outcome FROM run_streams s JOIN runs r ON r.id = s.run_id
                    WHERE r.job = ? ORDER BY r.id
                    """,
                arguments: [job]
            )
            for row in rows { result[row["stream"]] = row["outcome"] }
            return result
        }
    }

    /// The counts columns a runs or run_streams row carries.
    static func counts(_ row: Row) -> IngestCounts {
        var counts = IngestCounts()
        counts.read = row["read"]
        counts.new = row["new"]
        counts.changed = row["changed"]
        counts.unchanged = row["unchanged"]
        counts.quarantined = row["quarantined"]
        counts.tombstoned = row["tombstoned"]
        return counts
    }

    // MARK: Cursors

    /// The saved cursor of a (job, stream), if any.
    public func cursor(job: String, stream: String) throws -> String? {
        try read { db in
            try String.fetchOne(
                db,
                sql: "SELECT value FROM cursors WHERE job = ? AND stream = ?",
                arguments: [job, stream]
            )
        }
    }

    /// Saves a cursor on its own (pages save theirs inside `commit`).
    public func saveCursor(_ cursor: StagedPage.Cursor) throws {
        try write { db in try Self.saveCursor(cursor, now: Self.timestamp(), in: db) }
    }

    static func saveCursor(_ cursor: StagedPage.Cursor, now: String, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO cursors (job, stream, value, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (job, stream) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """
        ).execute(arguments: [cursor.job, cursor.stream, cursor.value, now])
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
                    StreamRecord(
                        stream: row["stream"],
                        outcome: row["outcome"],
                        pages: row["pages"],
                        requests: row["requests"],
                        quotaUnits: row["quota_units"],
                        counts: Self.counts(row),
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
