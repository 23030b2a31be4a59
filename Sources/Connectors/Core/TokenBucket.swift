import Foundation
import HTTPClient

/// A token bucket: `rate` requests a second on average, bursts of up to `burst`.
public actor TokenBucket {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var refilledAt: ContinuousClock.Instant

    public init(rate: Double, burst: Int) {
        self.rate = rate
        self.burst = Double(max(1, burst))
        tokens = Double(max(1, burst))
        refilledAt = .now
    }

    /// Waits until a token is free and takes it.
    public func acquire() async throws {
        let now = ContinuousClock.now
        tokens = min(burst, tokens + (now - refilledAt).seconds * rate)
        refilledAt = now
        // Taking the token before sleeping reserves it, so concurrent callers queue in turn.
        tokens -= 1
        if tokens < 0 {
            try await Task.sleep(for: .milliseconds(Int((-tokens / rate * 1000).rounded(.up))))
        }
    }
}
