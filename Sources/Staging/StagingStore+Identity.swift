import GRDB

/// The persisted canonical identity: which canonical id each source record belongs to, and
/// which retired ids now point at a surviving one.
public struct IdentityMap: Sendable, Equatable {
    /// Source key (`source:id`) → canonical id.
    public var assignments: [String: String]
    /// Retired canonical id → surviving canonical id.
    public var aliases: [String: String]

    public init(assignments: [String: String] = [:], aliases: [String: String] = [:]) {
        self.assignments = assignments
        self.aliases = aliases
    }
}

extension StagingStore {
    /// Loads the canonical id map.
    public func identityMap() throws -> IdentityMap {
        try read { db in
            var map = IdentityMap()
            for row in try Row.fetchAll(db, sql: "SELECT source_key, canonical_id FROM canonical_ids") {
                map.assignments[row[0]] = row[1]
            }
            for row in try Row.fetchAll(db, sql: "SELECT alias, canonical_id FROM aliases") {
                map.aliases[row[0]] = row[1]
            }
            return map
        }
    }

    /// Replaces the canonical id map with `map` in one transaction.
    public func saveIdentityMap(_ map: IdentityMap) throws {
        let now = Self.timestamp()
        try write { db in
            try db.execute(sql: "DELETE FROM canonical_ids")
            let insert = try db.cachedStatement(
                sql: "INSERT INTO canonical_ids (source_key, canonical_id) VALUES (?, ?)"
            )
            for (key, id) in map.assignments {
                try insert.execute(arguments: [key, id])
            }
            try db.execute(sql: "DELETE FROM aliases")
            let alias = try db.cachedStatement(
                sql: "INSERT INTO aliases (alias, canonical_id, created_at) VALUES (?, ?, ?)"
            )
            for (retired, survivor) in map.aliases {
                try alias.execute(arguments: [retired, survivor, now])
            }
        }
    }
}
