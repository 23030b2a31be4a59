import Foundation
import GRDB

/// How a run ended, as the run history stores it and `mediagw runs` shows it.
public enum RunOutcome: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Started and not finished yet (or its process died; see ``interrupted``).
    case running
    case success
    /// Some of it failed or some records were quarantined; what succeeded is committed.
    case partial
    /// A provider's daily quota ran out; the run resumes after the reset.
    case quotaExhausted = "quota-exhausted"
    case failed
    /// Its process was gone when the next run of the job started.
    case interrupted

    /// As stored and printed: `quota-exhausted`, not the case name.
    public var description: String { rawValue }

    /// The outcomes a finished run can have, which alert rules can name.
    public static let finished: [RunOutcome] = [.success, .partial, .quotaExhausted, .failed]

    /// What runs of several jobs started together amount to: success when all succeeded, failed
    /// when all failed, partial when any failed or was partial, otherwise quota exhausted (some
    /// stopped cleanly and resume after the provider's reset).
    public static func combined(_ outcomes: [RunOutcome]) -> RunOutcome {
        if outcomes.allSatisfy({ $0 == .success }) { return .success }
        if outcomes.allSatisfy({ $0 == .failed }) { return .failed }
        if outcomes.contains(.failed) || outcomes.contains(.partial) { return .partial }
        return .quotaExhausted
    }
}

extension RunOutcome: DatabaseValueConvertible {
    /// A stored value this version does not know reads as ``interrupted``: it is history, and
    /// nothing acts on it but display.
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> RunOutcome? {
        String.fromDatabaseValue(dbValue).map { RunOutcome(rawValue: $0) ?? .interrupted }
    }
}

/// How one stream of a run ended.
public enum StreamOutcome: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case completed
    case quotaExhausted = "quota-exhausted"
    case failed
    /// Stopped at the run's deadline or by a signal, cursor saved; resumes next run.
    case stopped
    /// Stopped at the run's page budget, cursor saved: a normal end that resumes next run.
    case paused

    public var description: String { rawValue }
}

extension StreamOutcome: DatabaseValueConvertible {
    /// A stored value this version does not know reads as ``failed``.
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> StreamOutcome? {
        String.fromDatabaseValue(dbValue).map { StreamOutcome(rawValue: $0) ?? .failed }
    }
}
