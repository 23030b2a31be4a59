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
}
