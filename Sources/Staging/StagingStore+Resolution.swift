import GRDB
import MediaModel

/// The live records at one moment: their count and the newest run that changed or tombstoned
/// one. Equal fingerprints mean no record changed in between.
public struct RecordsFingerprint: Sendable, Equatable {
    public var live: Int
    /// The newest run that staged a new or changed record: records changed after it are new.
    public var changedRun: Int64
    public var tombstonedRun: Int64

    public init(live: Int, changedRun: Int64, tombstonedRun: Int64) {
        self.live = live
        self.changedRun = changedRun
        self.tombstonedRun = tombstonedRun
    }
}

/// What the last resolution was made from: the records then, and the matcher's settings
/// (``TitleResolver/configurationDigest`` in Resolution).
public struct ResolutionState: Sendable, Equatable {
    public var records: RecordsFingerprint
    public var settings: String

    public init(records: RecordsFingerprint, settings: String) {
        self.records = records
        self.settings = settings
    }
}

extension StagingStore {
    /// The state the last resolution saved; nil before the first.
    public func resolutionState() throws -> ResolutionState? {
        try read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT live_records, changed_run, tombstoned_run, settings FROM resolution_state WHERE id = 1"
                )
            else { return nil }
            return ResolutionState(
                records: RecordsFingerprint(live: row[0], changedRun: row[1], tombstonedRun: row[2]),
                settings: row[3]
            )
        }
    }

    public func saveResolutionState(_ state: ResolutionState) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO resolution_state (id, live_records, changed_run, tombstoned_run, settings)
                    VALUES (1, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET live_records = excluded.live_records,
                        changed_run = excluded.changed_run, tombstoned_run = excluded.tombstoned_run,
                        settings = excluded.settings
                    """,
                arguments: [state.records.live, state.records.changedRun, state.records.tombstonedRun, state.settings]
            )
        }
    }
}
