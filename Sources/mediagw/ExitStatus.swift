import ArgumentParser
import MediaModel
import Staging

/// Every exit status the CLI documents (README, "Exit codes"), and what maps to each: the one
/// place where errors and run outcomes become process statuses.
enum ExitStatus {
    static let success: Int32 = 0
    static let failed: Int32 = 1
    /// Completed, but something was quarantined, failed or stopped early.
    static let partial: Int32 = 2
    static let lockHeld: Int32 = 73
    static let quotaExhausted: Int32 = 75
    static let configuration: Int32 = 78

    /// The status for an error of this kind.
    static func of(_ code: MediaError.Code) -> Int32 {
        switch code {
        case .usage: 64
        case .badInput: 65
        case .notFound: 66
        case .corruptSnapshot: 67
        case .unsupportedFormat: 68
        case .internalFailure: 70
        case .io: 74
        case .refused: 77
        case .configuration: configuration
        default: failed
        }
    }

    /// The status for a run that ended so (or for several, ``RunOutcome/combined(_:)``).
    static func of(_ outcome: RunOutcome) -> Int32 {
        switch outcome {
        case .success: success
        case .partial: partial
        case .quotaExhausted: quotaExhausted
        case .failed, .running, .interrupted: failed
        }
    }

    /// Ends the command with the status for `outcome`, or returns on success.
    static func exit(for outcome: RunOutcome) throws {
        let status = of(outcome)
        if status != success { throw ExitCode(status) }
    }
}
