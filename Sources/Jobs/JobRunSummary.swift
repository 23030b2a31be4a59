import Foundation
import Staging

/// How one job's run ended: what `mediagw runs show` prints and what an alert carries.
public struct JobRunSummary: Sendable, Codable, Equatable {
    public struct Stage: Sendable, Codable, Equatable {
        public enum Outcome: String, Sendable, Codable, CustomStringConvertible {
            case success
            case failed
            /// The build equalled the current snapshot, so nothing was published.
            case unchanged

            public var description: String { rawValue }
        }

        public var step: String
        public var outcome: Outcome
        public var seconds: Double
        public var message: String?
    }

    public var job: String
    public var runID: Int64
    /// `run` or `backfill`.
    public var kind: String
    /// `success`, `partial`, `quota-exhausted` or `failed`.
    public var outcome: RunOutcome
    public var startedAt: String
    public var seconds: Double
    public var counts: IngestCounts
    public var streams: [StreamRecord]
    public var stages: [Stage]
    public var snapshot: String?
    /// Why a stage after the ingest failed, if one did.
    public var stageError: String?
    public var host: String
}
