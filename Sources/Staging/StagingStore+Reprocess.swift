import Foundation
import GRDB

/// What a source's archive can re-derive: the payload behind each live record, and the items
/// quarantined from each payload.
public struct ReprocessPlan: Sendable {
    /// Live record id → the payload it was last derived from.
    public var livePayload: [String: String]
    /// Ids of tombstoned records: a re-derivation must not bring them back.
    public var tombstoned: Set<String>
    /// Payload → locations of items quarantined from it.
    public var quarantined: [String: Set<String>]
    /// The payloads to read, oldest first, with their archived location and content type (a
    /// payload of parts holds several; `ArchiveParts`).
    public var payloads: [(sha256: String, location: String, contentType: String)]
}

extension StagingStore {
    /// The payloads of `source` that live records or quarantined items came from.
    public func reprocessPlan(source: String) throws -> ReprocessPlan {
        try read { db in
            var plan = ReprocessPlan(livePayload: [:], tombstoned: [], quarantined: [:], payloads: [])
            let records = try Row.fetchCursor(
                db,
                sql: "SELECT source_id, raw_sha256, tombstoned_run FROM source_records WHERE source = ?",
                arguments: [source]
            )
            while let row = try records.next() {
                let id: String = row["source_id"]
                if (row["tombstoned_run"] as Int64?) != nil {
                    plan.tombstoned.insert(id)
                } else if let sha: String = row["raw_sha256"] {
                    plan.livePayload[id] = sha
                }
            }
            for row in try Row.fetchAll(
                db,
                sql: "SELECT raw_sha256, location FROM quarantine WHERE source = ? AND raw_sha256 IS NOT NULL",
                arguments: [source]
            ) {
                plan.quarantined[row["raw_sha256"], default: []].insert(row["location"])
            }
            let wanted = Set(plan.livePayload.values).union(plan.quarantined.keys)
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT sha256, location, content_type FROM raw_payloads WHERE source = ?
                    ORDER BY stored_at, sha256
                    """,
                arguments: [source]
            ) where wanted.contains(row["sha256"]) {
                plan.payloads.append((row["sha256"], row["location"], row["content_type"]))
            }
            return plan
        }
    }

    /// Removes quarantine entries of a payload whose items now map.
    public func clearQuarantine(source: String, rawSHA256: String, locations: [String]) throws {
        guard !locations.isEmpty else { return }
        try write { db in
            for location in locations {
                try db.execute(
                    sql: "DELETE FROM quarantine WHERE source = ? AND raw_sha256 = ? AND location = ?",
                    arguments: [source, rawSHA256, location]
                )
            }
        }
    }
}
