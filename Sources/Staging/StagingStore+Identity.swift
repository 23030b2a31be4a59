import GRDB
import MediaModel

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
            for row in try Row.fetchAll(db, sql: "SELECT id, generation FROM canonical_id_births") {
                map.births[row[0]] = row[1]
            }
            return map
        }
    }

    /// Makes the stored canonical id map equal `map` in one transaction, writing only what
    /// differs from `previous` (the map it was derived from), so a build that changes few ids
    /// writes few rows.
    public func saveIdentityMap(_ map: IdentityMap, previous: IdentityMap? = nil) throws {
        let now = Self.timestamp()
        let base = try previous ?? identityMap()
        try write { db in
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO canonical_ids (source_key, canonical_id) VALUES (?, ?)
                    ON CONFLICT (source_key) DO UPDATE SET canonical_id = excluded.canonical_id
                    """
            )
            for (key, id) in map.assignments where base.assignments[key] != id {
                try upsert.execute(arguments: [key, id])
            }
            let remove = try db.cachedStatement(sql: "DELETE FROM canonical_ids WHERE source_key = ?")
            for key in base.assignments.keys where map.assignments[key] == nil {
                try remove.execute(arguments: [key])
            }
            let alias = try db.cachedStatement(
                sql: """
                    INSERT INTO aliases (alias, canonical_id, created_at) VALUES (?, ?, ?)
                    ON CONFLICT (alias) DO UPDATE SET canonical_id = excluded.canonical_id
                    """
            )
            for (retired, survivor) in map.aliases where base.aliases[retired] != survivor {
                try alias.execute(arguments: [retired, survivor, now])
            }
            let unalias = try db.cachedStatement(sql: "DELETE FROM aliases WHERE alias = ?")
            for retired in base.aliases.keys where map.aliases[retired] == nil {
                try unalias.execute(arguments: [retired])
            }
            let born = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO canonical_id_births (id, generation) VALUES (?, ?)"
            )
            for (id, generation) in map.births where base.births[id] == nil {
                try born.execute(arguments: [id, generation])
            }
        }
    }
}
