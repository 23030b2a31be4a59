import Compression
import Crypto
import Foundation
import GRDB
import MediaModel

/// A page with the work that needs no database done: the archive hash and compression, and
/// each record encoded and hashed. Preparing can run on another thread than the commit, so the
/// write lock is held only for SQL.
public struct PreparedPage: Sendable {
    struct Item: Sendable {
        var item: PageItem
        var body: Data
        var hash: String
    }

    struct Archived: Sendable {
        var location: String
        var contentType: String
        var size: Int
        var sha256: String
        var compressed: Data
    }

    let page: StagedPage
    /// The page's payload first, then its attachments; or, for a page of three or more
    /// payloads, all of them packed as one payload of parts (`ArchiveParts`).
    let archived: [Archived]
    let items: [Item]

    /// A page of this many payloads or more is archived as one payload of parts: a Watchmode
    /// page makes a details call per title, and one row, hash and zstd frame for them all took
    /// Watchmode's staging from 68.8 to 43.7 µs a record (decision 0009).
    static let packedFrom = 3

    public init(_ page: StagedPage) throws {
        self.page = page
        let parts =
            [ArchiveParts.Part(raw: page.raw, location: page.rawLocation, contentType: page.contentType)]
            + page.attachments
        let payloads =
            parts.count >= Self.packedFrom
            ? [
                ArchiveParts.Part(
                    raw: ArchiveParts.pack(parts),
                    location: "\(parts.count) parts: \(parts[0].location)",
                    contentType: ArchiveParts.contentType
                )
            ] : parts
        archived = try payloads.map { payload in
            Archived(
                location: payload.location,
                contentType: payload.contentType,
                size: payload.raw.count,
                sha256: StagingStore.sha256Hex(payload.raw),
                compressed: try Zstd.compress(payload.raw)
            )
        }
        let encode: @Sendable (PageItem) throws -> Item = { item in
            let body = Data(try CompactEncoder().encode(item.record))
            return Item(item: item, body: body, hash: StagingStore.sha256Hex(body))
        }
        // Provider pages are small and other work runs meanwhile: spreading a few dozen records
        // over threads costs more than it saves. Large pages (imports) do spread.
        items = page.items.count >= 200 ? try page.items.parallelMap(encode) : try page.items.map(encode)
    }

    /// The archived payload an item or rejection at `location` came from: an attachment whose
    /// location it starts with, else the page's own (or the payload of parts holding them all).
    func payloadHash(for location: String) -> String {
        archived.dropFirst().first { location.hasPrefix($0.location) }?.sha256 ?? archived[0].sha256
    }
}

extension StagingStore {
    /// Commits one page atomically: raw payload, records (upserted by source and id with a
    /// content hash), rejections into quarantine, and the cursor. Returns what changed.
    public func commit(_ page: StagedPage, runID: Int64) throws -> IngestCounts {
        try commit([PreparedPage(page)], runID: runID)
    }

    /// Commits pages in order in one transaction, each as `commit(_:runID:)` would: a crash
    /// keeps all of them or none, and the cursor saved is the last page's.
    ///
    /// The run's counts grow in the same transaction, so the history of a run that was killed
    /// says exactly what it committed; ``finishRun(id:outcome:counts:snapshot:message:stages:)``
    /// sets the final figures.
    public func commit(_ pages: [PreparedPage], runID: Int64) throws -> IngestCounts {
        let now = Self.timestamp()
        return try write { db in
            var counts = IngestCounts()
            for (index, page) in pages.enumerated() {
                // A cursor a later page of the group moves on is not written only to be replaced.
                let replaced = page.page.cursor.map { cursor in
                    pages[(index + 1)...].contains {
                        $0.page.cursor?.job == cursor.job && $0.page.cursor?.stream == cursor.stream
                    }
                }
                counts += try Self.stage(page, runID: runID, now: now, savingCursor: replaced != true, in: db)
            }
            try db.cachedStatement(
                sql: """
                    UPDATE runs SET read = read + ?, new = new + ?, changed = changed + ?, unchanged = unchanged + ?,
                        quarantined = quarantined + ?
                    WHERE id = ? AND outcome = 'running'
                    """
            ).execute(arguments: [counts.read, counts.new, counts.changed, counts.unchanged, counts.quarantined, runID])
            return counts
        }
    }

    private static func stage(
        _ prepared: PreparedPage,
        runID: Int64,
        now: String,
        savingCursor: Bool,
        in db: Database
    ) throws -> IngestCounts {
        let page = prepared.page
        var counts = IngestCounts()
        let archive = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO raw_payloads (sha256, source, location, content_type, size, stored_at, body)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        )
        for payload in prepared.archived {
            try archive.execute(arguments: [
                payload.sha256, page.source, payload.location, payload.contentType, payload.size, now,
                payload.compressed,
            ])
        }
        let lookup = try db.cachedStatement(
            sql: """
                SELECT content_hash, tombstoned_run\(page.merge == .replace ? "" : ", body")
                FROM source_records WHERE source = ? AND source_id = ?
                """
        )
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO source_records
                    (source, source_id, content_hash, body, raw_sha256, location, first_run, changed_run, seen_run)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        let update = try db.cachedStatement(
            sql: """
                UPDATE source_records
                SET content_hash = ?, body = ?, raw_sha256 = ?, location = ?, changed_run = ?, seen_run = ?,
                    tombstoned_run = NULL
                WHERE source = ? AND source_id = ?
                """
        )
        let touch = try db.cachedStatement(
            sql: "UPDATE source_records SET seen_run = ? WHERE source = ? AND source_id = ?"
        )
        for var entry in prepared.items {
            counts.read += 1
            let source = entry.item.record.source
            let id = entry.item.record.id
            let existing = try Row.fetchOne(lookup, arguments: [source, id])
            let payload = prepared.payloadHash(for: entry.item.location)
            if page.merge != .replace, let existing, let oldBody = existing["body"] as Data? {
                // Combine with the staged record before hashing, so an unchanged title stays unchanged.
                let older = try oldBody.withUnsafeBytes { try CompactDecoder().decode(SourceRecord.self, from: $0) }
                let merged =
                    page.merge == .fillMissingFields
                    ? entry.item.record.filling(from: older) : entry.item.record.keepingOfferDates(from: older)
                let body = Data(try CompactEncoder().encode(merged))
                entry.body = body
                entry.hash = Self.sha256Hex(body)
            }
            if let existing {
                let oldHash: String = existing["content_hash"]
                let wasTombstoned = (existing["tombstoned_run"] as Int64?) != nil
                if oldHash == entry.hash && !wasTombstoned {
                    counts.unchanged += 1
                    try touch.execute(arguments: [runID, source, id])
                } else {
                    counts.changed += 1
                    try update.execute(arguments: [
                        entry.hash, entry.body, payload, entry.item.location, runID, runID, source, id,
                    ])
                }
            } else {
                counts.new += 1
                try insert.execute(arguments: [
                    source, id, entry.hash, entry.body, payload, entry.item.location, runID, runID, runID,
                ])
            }
        }
        for rejection in page.rejections {
            counts.read += 1
            counts.quarantined += 1
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO quarantine (run_id, source, location, reason, excerpt, raw_sha256, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    runID, page.source, rejection.location, rejection.reason, rejection.excerpt,
                    prepared.payloadHash(for: rejection.location), now,
                ]
            )
        }
        if let cursor = page.cursor, savingCursor {
            try saveCursor(cursor, now: now, in: db)
        }
        for cursor in page.clearedCursors {
            try db.execute(
                sql: "DELETE FROM cursors WHERE job = ? AND stream = ?",
                arguments: [cursor.job, cursor.stream]
            )
        }
        if let firstRun = page.endsListingBegunIn {
            try db.execute(
                sql: """
                    UPDATE source_records SET tombstoned_run = ?, changed_run = ?
                    WHERE source = ? AND seen_run < ? AND tombstoned_run IS NULL
                    """,
                arguments: [runID, runID, page.source, firstRun]
            )
            counts.tombstoned += db.changesCount
        }
        return counts
    }

    /// Tombstones every live record of `source` that the full listing in `runID` did not see.
    public func tombstoneUnseen(source: String, runID: Int64) throws -> Int {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE source_records SET tombstoned_run = ?, changed_run = ?
                    WHERE source = ? AND seen_run <> ? AND tombstoned_run IS NULL
                    """,
                arguments: [runID, runID, source, runID]
            )
            return db.changesCount
        }
    }

    /// The archived payload with this SHA-256, decompressed.
    public func rawPayload(sha256: String) throws -> Data? {
        guard
            let body = try read({ db in
                try Data.fetchOne(db, sql: "SELECT body FROM raw_payloads WHERE sha256 = ?", arguments: [sha256])
            })
        else { return nil }
        return try Zstd.decompress(body)
    }

    static func sha256Hex(_ data: Data) -> String {
        Hex.encode(SHA256.hash(data: data))
    }

    static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(.iso8601)
    }
}
