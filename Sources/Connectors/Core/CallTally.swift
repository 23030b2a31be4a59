import Foundation

/// Counts the requests and quota units spent on behalf of whatever task set it, so that a runner
/// can report them per stream although streams of one provider share a client.
public final class CallTally: @unchecked Sendable {
    /// The tally of the current task and the tasks it starts.
    @TaskLocal public static var current: CallTally?

    private let lock = NSLock()
    private var requestCount = 0
    private var unitCount = 0

    public init() {}

    func record(units: Int) {
        lock.withLock {
            requestCount += 1
            unitCount += units
        }
    }

    /// Requests sent, retries included.
    public var requests: Int { lock.withLock { requestCount } }
    /// Quota units charged.
    public var units: Int { lock.withLock { unitCount } }
}
