import GRDB

extension StagingStore {
    /// Versioned migrations, run on open. Append new ones; never edit a released one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE raw_payloads (
                        sha256 TEXT PRIMARY KEY,
                        source TEXT NOT NULL,
                        location TEXT NOT NULL,
                        content_type TEXT NOT NULL,
                        size INTEGER NOT NULL,
                        stored_at TEXT NOT NULL,
                        body BLOB NOT NULL
                    );
                    CREATE TABLE runs (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        job TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        started_at TEXT NOT NULL,
                        finished_at TEXT,
                        outcome TEXT NOT NULL DEFAULT 'running',
                        read INTEGER NOT NULL DEFAULT 0,
                        new INTEGER NOT NULL DEFAULT 0,
                        changed INTEGER NOT NULL DEFAULT 0,
                        unchanged INTEGER NOT NULL DEFAULT 0,
                        quarantined INTEGER NOT NULL DEFAULT 0,
                        tombstoned INTEGER NOT NULL DEFAULT 0,
                        snapshot TEXT,
                        message TEXT
                    );
                    CREATE TABLE source_records (
                        source TEXT NOT NULL,
                        source_id TEXT NOT NULL,
                        content_hash TEXT NOT NULL,
                        body BLOB NOT NULL,
                        raw_sha256 TEXT,
                        location TEXT,
                        first_run INTEGER NOT NULL,
                        changed_run INTEGER NOT NULL,
                        seen_run INTEGER NOT NULL,
                        tombstoned_run INTEGER,
                        PRIMARY KEY (source, source_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX source_records_changed ON source_records (changed_run);
                    CREATE TABLE quarantine (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        run_id INTEGER NOT NULL,
                        source TEXT NOT NULL,
                        location TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        excerpt TEXT NOT NULL,
                        raw_sha256 TEXT,
                        created_at TEXT NOT NULL
                    );
                    -- Re-reading the same bad input does not pile up copies of it.
                    CREATE UNIQUE INDEX quarantine_once ON quarantine (source, location, reason, raw_sha256);
                    CREATE TABLE cursors (
                        job TEXT NOT NULL,
                        stream TEXT NOT NULL,
                        value TEXT NOT NULL,
                        updated_at TEXT NOT NULL,
                        PRIMARY KEY (job, stream)
                    ) WITHOUT ROWID;
                    CREATE TABLE canonical_ids (
                        source_key TEXT PRIMARY KEY,
                        canonical_id TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX canonical_ids_by_id ON canonical_ids (canonical_id);
                    CREATE TABLE aliases (
                        alias TEXT PRIMARY KEY,
                        canonical_id TEXT NOT NULL,
                        created_at TEXT NOT NULL
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v2-embeddings") { db in
            try db.execute(
                sql: """
                    -- Embedding cache: a text embedded once by a model is never embedded again.
                    CREATE TABLE embeddings (
                        model TEXT NOT NULL,
                        text_sha256 BLOB NOT NULL,
                        vector BLOB NOT NULL,
                        used_at TEXT NOT NULL,
                        PRIMARY KEY (model, text_sha256)
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v3-connectors") { db in
            try db.execute(
                sql: """
                    -- Quota units spent per provider, key (by the name of its source) and quota day.
                    CREATE TABLE quota_ledger (
                        provider TEXT NOT NULL,
                        key TEXT NOT NULL,
                        day TEXT NOT NULL,
                        units INTEGER NOT NULL,
                        updated_at TEXT NOT NULL,
                        PRIMARY KEY (provider, key, day)
                    ) WITHOUT ROWID;
                    -- How each stream of a run ended.
                    CREATE TABLE run_streams (
                        run_id INTEGER NOT NULL,
                        stream TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        pages INTEGER NOT NULL,
                        requests INTEGER NOT NULL,
                        read INTEGER NOT NULL,
                        new INTEGER NOT NULL,
                        changed INTEGER NOT NULL,
                        unchanged INTEGER NOT NULL,
                        quarantined INTEGER NOT NULL,
                        tombstoned INTEGER NOT NULL,
                        resumes_after TEXT,
                        message TEXT,
                        unmapped TEXT,
                        PRIMARY KEY (run_id, stream)
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v4-jobs") { db in
            try db.execute(
                sql: """
                    -- One run per job at a time: the holder's pid, its start time (so a reused pid
                    -- is not mistaken for the holder) and its host.
                    CREATE TABLE job_locks (
                        job TEXT PRIMARY KEY,
                        pid INTEGER NOT NULL,
                        process_start TEXT NOT NULL,
                        host TEXT NOT NULL,
                        acquired_at TEXT NOT NULL
                    ) WITHOUT ROWID;
                    ALTER TABLE run_streams ADD COLUMN quota_units INTEGER NOT NULL DEFAULT 0;
                    -- A job run's stages (resolve, embed, build, publish) as JSON.
                    ALTER TABLE runs ADD COLUMN stages TEXT;
                    CREATE INDEX runs_by_job ON runs (job, id);
                    """
            )
        }
        migrator.registerMigration("v5-resolution") { db in
            try db.execute(
                sql: """
                    -- Pairs the last resolution scored between the review and merge thresholds.
                    CREATE TABLE review_pairs (
                        a TEXT NOT NULL,
                        b TEXT NOT NULL,
                        score REAL NOT NULL,
                        scores TEXT NOT NULL,
                        PRIMARY KEY (a, b)
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v6-id-births") { db in
            try db.execute(
                sql: """
                    -- The build generation each canonical id was first given in: when titles merge,
                    -- the oldest id survives. Ids from before this table count as generation 0.
                    CREATE TABLE canonical_id_births (
                        id TEXT PRIMARY KEY,
                        generation INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v7-records-rowid") { db in
            // Records in a rowid table (the key kept as a unique index): rows of ~800 bytes in a
            // WITHOUT ROWID table ordered by (source, source_id) meant each record a page stages
            // dirtied a leaf page of its own; appended by rowid, they share pages, which halved
            // the cost of staging (docs/benchmarks.md).
            try db.execute(
                sql: """
                    CREATE TABLE source_records_v7 (
                        source TEXT NOT NULL,
                        source_id TEXT NOT NULL,
                        content_hash TEXT NOT NULL,
                        body BLOB NOT NULL,
                        raw_sha256 TEXT,
                        location TEXT,
                        first_run INTEGER NOT NULL,
                        changed_run INTEGER NOT NULL,
                        seen_run INTEGER NOT NULL,
                        tombstoned_run INTEGER,
                        PRIMARY KEY (source, source_id)
                    );
                    INSERT INTO source_records_v7
                    SELECT source, source_id, content_hash, body, raw_sha256, location, first_run, changed_run,
                        seen_run, tombstoned_run
                    FROM source_records ORDER BY source, source_id;
                    DROP TABLE source_records;
                    ALTER TABLE source_records_v7 RENAME TO source_records;
                    CREATE INDEX source_records_changed ON source_records (changed_run);
                    """
            )
        }
        migrator.registerMigration("v8-resolution-state") { db in
            // What the last resolution was made from, in a table of its own instead of three
            // cursors of a pretend job `resolution`. The old rows are dropped, not converted:
            // the next build matches everything once, then goes on incrementally.
            try db.execute(
                sql: """
                    CREATE TABLE resolution_state (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        live_records INTEGER NOT NULL,
                        changed_run INTEGER NOT NULL,
                        tombstoned_run INTEGER NOT NULL,
                        settings TEXT NOT NULL
                    );
                    DELETE FROM cursors WHERE job = 'resolution';
                    """
            )
        }
        migrator.registerMigration("v9-event-deliveries") { db in
            // Which change sets each event sink has acknowledged, and how far into one a send
            // got, so that a broker outage loses nothing and a resend starts where it stopped.
            try db.execute(
                sql: """
                    CREATE TABLE event_deliveries (
                        sink TEXT NOT NULL,
                        change_set TEXT NOT NULL,
                        total INTEGER NOT NULL,
                        acknowledged INTEGER NOT NULL,
                        updated_at TEXT NOT NULL,
                        PRIMARY KEY (sink, change_set)
                    );
                    """
            )
        }
        return migrator
    }
}
