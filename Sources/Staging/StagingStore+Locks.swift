import Foundation
import GRDB

/// The process holding a job's lock.
public struct LockHolder: Sendable, Codable, Equatable {
    public var pid: Int32
    /// When the process started, as the kernel reports it (tells a reused pid apart).
    public var processStart: String
    public var host: String
    public var acquiredAt: String

    public init(pid: Int32, processStart: String, host: String, acquiredAt: String) {
        self.pid = pid
        self.processStart = processStart
        self.host = host
        self.acquiredAt = acquiredAt
    }
}

/// What an attempt to take a job's lock found.
public enum LockAttempt: Sendable, Equatable {
    /// Taken; `previous` is a stale holder that was replaced.
    case acquired(previous: LockHolder?)
    case held(by: LockHolder)
}

extension StagingStore {
    /// Takes `job`'s lock for `holder` unless a live process holds it. `isStale` decides whether
    /// a recorded holder is gone; the check and the take-over happen in one transaction, so two
    /// processes never both win.
    public func acquireLock(job: String, holder: LockHolder, isStale: (LockHolder) -> Bool) throws -> LockAttempt {
        try write { db in
            var previous: LockHolder?
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM job_locks WHERE job = ?", arguments: [job]) {
                let current = LockHolder(
                    pid: row["pid"],
                    processStart: row["process_start"],
                    host: row["host"],
                    acquiredAt: row["acquired_at"]
                )
                guard isStale(current) else { return .held(by: current) }
                previous = current
            }
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO job_locks (job, pid, process_start, host, acquired_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [job, holder.pid, holder.processStart, holder.host, holder.acquiredAt]
            )
            return .acquired(previous: previous)
        }
    }

    /// Releases `job`'s lock if `holder` still holds it.
    public func releaseLock(job: String, holder: LockHolder) throws {
        try write { db in
            try db.execute(
                sql: "DELETE FROM job_locks WHERE job = ? AND pid = ? AND process_start = ? AND host = ?",
                arguments: [job, holder.pid, holder.processStart, holder.host]
            )
        }
    }

    /// Every recorded lock, by job.
    public func locks() throws -> [String: LockHolder] {
        try read { db in
            var result: [String: LockHolder] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM job_locks") {
                result[row["job"]] = LockHolder(
                    pid: row["pid"],
                    processStart: row["process_start"],
                    host: row["host"],
                    acquiredAt: row["acquired_at"]
                )
            }
            return result
        }
    }
}
