import Foundation

/// A circuit breaker for one provider host.
///
/// After `threshold` consecutive failures it opens: calls fail at once, without touching the
/// host, for `cooldown`. Then it lets one probe through (half-open); a success closes it, a
/// failure opens it again.
public actor CircuitBreaker {
    public enum State: Sendable, Equatable {
        case closed
        case open(until: ContinuousClock.Instant)
        case halfOpen
    }

    public let host: String
    public let threshold: Int
    public let cooldown: Duration
    public private(set) var state: State = .closed
    private var consecutiveFailures = 0
    private var probing = false
    /// The time now (tests pass a clock they move by hand).
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(
        host: String,
        threshold: Int,
        cooldown: Duration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.host = host
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
        self.now = now
    }

    /// Whether a call may go out now; nil when it may, else how long until a probe is allowed.
    public func admit() -> Duration? {
        switch state {
        case .closed:
            return nil
        case .open(let until):
            let now = now()
            if now < until { return until - now }
            state = .halfOpen
            probing = true
            return nil
        case .halfOpen:
            if probing { return .milliseconds(100) }
            probing = true
            return nil
        }
    }

    public func recordSuccess() {
        consecutiveFailures = 0
        probing = false
        state = .closed
    }

    public func recordFailure() {
        consecutiveFailures += 1
        probing = false
        if state == .halfOpen || consecutiveFailures >= threshold {
            state = .open(until: now() + cooldown)
        }
    }
}
