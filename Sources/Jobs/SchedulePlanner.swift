import Foundation

/// Decides which scheduled jobs are due, for `mediagw schedule`.
///
/// Each job's next due time is computed from the moment the planner first sees it (a scheduler
/// started at 02:31 does not run the 02:30 job), and after each start from the time it started.
/// A clock moved forward (a suspended machine) runs each job that fell due meanwhile once, not
/// once per missed time; a clock set back restarts every job's count from now, so nothing runs
/// twice.
public struct SchedulePlanner: Sendable {
    public private(set) var due: [String: Date] = [:]
    private var lastCheck: Date?

    public init() {}

    /// What happened at a check.
    public struct Decision: Sendable, Equatable {
        /// Jobs to start now.
        public var start: [String]
        /// Due jobs whose previous run is still going (not started).
        public var skipped: [String]
        /// Whether the clock was set back and every job was rescheduled.
        public var rescheduled: Bool
        /// When the next job is due, if any.
        public var nextDue: Date?
    }

    /// Jobs due at `now`; `running` names jobs whose previous run has not ended.
    public mutating func check(_ jobs: [JobConfiguration], now: Date, running: Set<String>) -> Decision {
        var decision = Decision(start: [], skipped: [], rescheduled: false, nextDue: nil)
        if let lastCheck, now < lastCheck.addingTimeInterval(-60) {
            due = [:]
            decision.rescheduled = true
        }
        lastCheck = now
        let names = Set(jobs.map(\.name))
        due = due.filter { names.contains($0.key) }
        for job in jobs {
            guard let schedule = job.schedule else { continue }
            guard let next = due[job.name] ?? schedule.cron.next(after: now, in: schedule.timeZone) else { continue }
            due[job.name] = next
            guard next <= now else { continue }
            due[job.name] = schedule.cron.next(after: now, in: schedule.timeZone)
            if running.contains(job.name) {
                decision.skipped.append(job.name)
            } else {
                decision.start.append(job.name)
            }
        }
        decision.nextDue = due.values.min()
        return decision
    }
}
