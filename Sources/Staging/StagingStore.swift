import Foundation
import GRDB
import MediaModel

/// The staging database: the single source of truth between runs (SQLite in WAL mode).
///
/// Holds the raw payload archive, source records, quarantine, cursors, run history and the
/// canonical id map. Every page of input is committed in one transaction with its cursor, so a
/// crash loses at most the page in flight and never counts one twice.
///
/// It owns the file, the schema and the one writer, and it is each of the focused stores the
/// stages ask for (`Stores.swift`): ``RecordStore`` (records and archive, `+Ingest`, `+Records`,
/// `+Reprocess`), ``RunStore`` (runs and cursors, `+Runs`), ``QuotaStore``, ``LockStore``,
/// ``IdentityStore`` (identity, resolution state and review, `+Identity`, `+Resolution`,
/// `+Review`), ``EmbeddingCacheStore`` and ``EventDeliveryStore``.
public final class StagingStore: Sendable {
    /// The database file.
    public let path: String
    let pool: DatabasePool

    /// Opens (creating if needed) the staging database at `path` and runs pending migrations.
    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw MediaError(.io, "cannot create the staging directory \(directory): \(error.localizedDescription)")
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "mediagw.staging"
        // WAL with synchronous=NORMAL: a committed transaction survives the process dying
        // (crash, kill -9); after a power cut the newest ones may roll back, each whole with its
        // cursor, so the next run fetches those pages again. One fsync per checkpoint instead of
        // one per page (docs/decisions/0005-connectors.md).
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // Checked with a read first: migrating takes the write lock even when there is
            // nothing to do, and opening staging to look (`runs`, a poll) while an ingest
            // commits back to back must not wait for it.
            if try !pool.read({ try Self.migrator.hasCompletedMigrations($0) }) {
                try Self.migrate(pool)
            }
        } catch let error as DatabaseError {
            throw MediaError(.io, "cannot open the staging database \(path): \(error.message ?? error.description)")
        }
    }

    /// Runs the pending migrations. Two processes that open a new file at once both see them
    /// pending; each migration is one transaction, so the slower process's copy of one fails on
    /// what the faster one committed and rolls back whole. It then reads what is applied and
    /// runs only the rest.
    static func migrate(_ pool: DatabasePool, attempts: Int = 8) throws {
        for attempt in 1...attempts {
            do {
                try migrator.migrate(pool)
                return
            } catch is DatabaseError where attempt < attempts {
                if try pool.read({ try migrator.hasCompletedMigrations($0) }) { return }
            }
        }
    }

    /// Runs `body` in one write transaction.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(body)
        } catch let error as DatabaseError {
            throw MediaError(.io, "staging database \(path): \(error.message ?? error.description)")
        }
    }

    /// Runs `body` on a read-only snapshot of the database.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch let error as DatabaseError {
            throw MediaError(.io, "staging database \(path): \(error.message ?? error.description)")
        }
    }

    /// The schema version the database is at (number of applied migrations).
    public func schemaVersion() throws -> Int {
        try read { try Self.migrator.appliedIdentifiers($0).count }
    }
}
