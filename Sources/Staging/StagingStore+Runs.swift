import Foundation
import GRDB

/// One row of run history.
public struct RunRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var job: String
    public var kind: String
    public var startedAt: String
    public var finishedAt: String?
    public var outcome: String
    public var counts: IngestCounts
    public var snapshot: String?
    public var message: String?
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
        outcome: String,
        counts: IngestCounts,
        snapshot: String? = nil,
        message: String? = nil
    ) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET finished_at = ?, outcome = ?, read = ?, new = ?, changed = ?, unchanged = ?,
                        quarantined = ?, tombstoned = ?, snapshot = ?, message = ?
                    WHERE id = ?
                    """,
                arguments: [
                    Self.timestamp(), outcome, counts.read, counts.new, counts.changed, counts.unchanged,
                    counts.quarantined, counts.tombstoned, snapshot, message, id,
                ]
            )
        }
    }

    /// The newest runs first.
    public func runs(job: String? = nil, limit: Int = 20) throws -> [RunRecord] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM runs WHERE (? IS NULL OR job = ?) ORDER BY id DESC LIMIT ?
                    """,
                arguments: [job, job, limit]
            )
            return rows.map { row in
                var counts = IngestCounts()
                counts.read = row["read"]
                counts.new = row["new"]
                counts.changed = row["changed"]
                counts.unchanged = row["unchanged"]
                counts.quarantined = row["quarantined"]
                counts.tombstoned = row["tombstoned"]
                return RunRecord(
                    id: row["id"],
                    job: row["job"],
                    kind: row["kind"],
                    startedAt: row["started_at"],
                    finishedAt: row["finished_at"],
                    outcome: row["outcome"],
                    counts: counts,
                    snapshot: row["snapshot"],
                    message: row["message"]
                )
            }
        }
    }
}
