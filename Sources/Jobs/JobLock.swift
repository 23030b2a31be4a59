import Foundation
import MediaModel
import Staging

#if canImport(Glibc)
    import Glibc
#endif

/// One run per job at a time across processes: a row in staging naming the holder's pid, its
/// start time and its host. A holder whose process is gone (or whose pid now belongs to another
/// process) is stale and is taken over.
public struct JobLock: Sendable {
    public let store: any LockStore
    public let holder: LockHolder

    public init(store: any LockStore, holder: LockHolder = JobLock.currentProcess()) {
        self.store = store
        self.holder = holder
    }

    /// Why a lock could not be taken.
    public struct Held: Error, Sendable, CustomStringConvertible {
        public var job: String
        public var holder: LockHolder

        public var description: String {
            "job '\(job)' is already running (pid \(holder.pid) on \(holder.host) since \(holder.acquiredAt))"
        }
    }

    /// Takes `job`'s lock, waiting up to `wait` seconds for a live holder to finish. Returns the
    /// stale holder it replaced, if any.
    @discardableResult
    public func acquire(job: String, wait: TimeInterval = 0) async throws -> LockHolder? {
        let deadline = Date().addingTimeInterval(wait)
        while true {
            switch try store.acquireLock(job: job, holder: holder, isStale: Self.isStale) {
            case .acquired(let previous):
                return previous
            case .held(let current):
                guard Date() < deadline else { throw Held(job: job, holder: current) }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    public func release(job: String) {
        try? store.releaseLock(job: job, holder: holder)
    }

    /// Whether a recorded holder no longer runs. A holder on another host cannot be checked and
    /// counts as live.
    @Sendable public static func isStale(_ holder: LockHolder) -> Bool {
        guard holder.host == hostName() else { return false }
        guard let start = processStart(pid: holder.pid) else { return true }
        return start != holder.processStart
    }

    /// This process as a lock holder.
    public static func currentProcess() -> LockHolder {
        let pid = getpid()
        return LockHolder(
            pid: pid,
            processStart: processStart(pid: pid) ?? "unknown",
            host: hostName(),
            acquiredAt: Date().formatted(.iso8601)
        )
    }

    /// The boot id and the process's start time in clock ticks (field 22 of `/proc/PID/stat`):
    /// together they name one process for the life of the machine. Nil when no such process.
    public static func processStart(pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        // The command name (field 2) is in parentheses and may hold spaces: count after it.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        if fields[0] == "Z" { return nil }  // a zombie has exited
        let boot =
            (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return "\(boot):\(fields[19])"
    }

    public static func hostName() -> String {
        ProcessInfo.processInfo.hostName
    }
}
