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
}
