import Crypto
import Foundation
import GRDB
import MediaModel
import Testing

@testable import Staging

@Suite struct MigrationTests {
    /// A database as the schema before `v7-records-rowid` left it, holding `records` (the
    /// second one tombstoned).
    func databaseBeforeRowidRecords(_ records: [SourceRecord]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migration-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("staging.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try StagingStore.migrator.migrate(queue, upTo: "v6-id-births")
        try queue.write { db in
            for (index, record) in records.enumerated() {
                let body = Data(try CompactEncoder().encode(record))
                let hash = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
                try db.execute(
                    sql: """
                        INSERT INTO source_records (source, source_id, content_hash, body, raw_sha256, location,
                            first_run, changed_run, seen_run, tombstoned_run)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        record.source, record.id, hash, body, "raw\(index)", "line \(index)", 1, 2 + index, 3,
                        index == 1 ? 4 : nil,
                    ]
                )
            }
        }
        try queue.close()
        return path
    }

    func rows(_ path: String) throws -> [[DatabaseValue]] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM source_records ORDER BY source, source_id").map {
                Array($0.databaseValues)
            }
        }
    }

    @Test func resolutionStateMovesFromPretendCursorsToItsTable() throws {
        let path = try databaseBeforeRowidRecords([movie("1", "Alien")])
        let queue = try DatabaseQueue(path: path)
        try StagingStore.migrator.migrate(queue, upTo: "v7-records-rowid")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO cursors (job, stream, value, updated_at) VALUES
                        ('resolution', 'fingerprint', '1|2|0|settings', 'now'), ('job', 'stream', 'kept', 'now')
                    """
            )
        }
        try queue.close()
        let store = try StagingStore(path: path)
        #expect(try store.resolutionState() == nil, "the next build matches everything once")
        #expect(try store.cursor(job: "resolution", stream: "fingerprint") == nil)
        #expect(try store.cursor(job: "job", stream: "stream") == "kept")
        let state = ResolutionState(
            records: RecordsFingerprint(live: 1, changedRun: 2, tombstonedRun: 0),
            settings: "s"
        )
        try store.saveResolutionState(state)
        try store.saveResolutionState(state)
        #expect(try store.resolutionState() == state)
    }

    @Test func recordsMoveToARowidTableWithEveryValueKept() throws {
        let records = [movie("1", "Alien"), movie("2", "Aliens"), movie("1", "Alien", source: "t")]
        let path = try databaseBeforeRowidRecords(records)
        let before = try rows(path)
        let store = try StagingStore(path: path)
        #expect(try store.schemaVersion() == 9)
        #expect(try rows(path) == before)
        #expect(before.count == 3)

        let queue = try DatabaseQueue(path: path)
        let (schema, indexes) = try queue.read { db in
            (
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'source_records'") ?? "",
                try String.fetchAll(
                    db,
                    sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'source_records'"
                )
            )
        }
        try queue.close()
        #expect(!schema.uppercased().contains("WITHOUT ROWID"))
        #expect(indexes.contains("source_records_changed"))

        // Staging goes on as before: the live records load, an unchanged record stays
        // unchanged, a tombstoned one comes back, and the key still refuses a second copy.
        #expect(try store.liveRecords().map(\.id).sorted() == ["1", "1"])
        let run = try store.beginRun(job: "t", kind: "import")
        let counts = try store.commit(page([movie("1", "Alien"), movie("2", "Aliens")]), runID: run)
        #expect(counts.unchanged == 1 && counts.changed == 1 && counts.new == 0)
        #expect(try store.liveRecords().count == 3)
        #expect(try rows(path).count == 3)
    }

    /// Two imports that create one staging file at once once failed with `UNIQUE constraint
    /// failed: grdb_migrations.identifier`. Openers in threads race the same way processes do:
    /// each has its own connections to the file.
    @Test func openersThatCreateOneFileAtOnceAllSucceed() async throws {
        for _ in 0..<5 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migration-\(UUID())")
            let path = directory.appendingPathComponent("staging.sqlite").path
            let versions = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 {
                    group.addTask { try StagingStore(path: path).schemaVersion() }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(versions == Array(repeating: StagingStore.migrator.migrations.count, count: 6))
        }
    }
}
