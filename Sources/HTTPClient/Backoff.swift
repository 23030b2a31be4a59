import Foundation

/// Retry timing: exponential backoff with full jitter, and the `Retry-After` header.
public struct Backoff: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// The first step; each retry doubles the ceiling of the random wait.
    public var baseDelay: Duration
    /// The largest wait between two attempts, jitter or `Retry-After`.
    public var maxDelay: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(60)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// A random wait in `[0, min(maxDelay, baseDelay · 2^(attempt-1))]` ("full jitter").
    public func jitteredDelay(afterAttempt attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let base = Double(baseDelay.components.seconds) + Double(baseDelay.components.attoseconds) / 1e18
        let cap = Double(maxDelay.components.seconds) + Double(maxDelay.components.attoseconds) / 1e18
        let ceiling = min(cap, base * pow(2, Double(max(0, attempt - 1))))
        return .milliseconds(Int((Double.random(in: 0...1, using: &random) * ceiling * 1000).rounded()))
    }

    /// The wait a `Retry-After` value asks for: delta-seconds, or an HTTP date (RFC 9110 §10.2.3).
    public static func retryAfter(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 { return .seconds(seconds) }
        guard let date = httpDate(trimmed) else { return nil }
        return .milliseconds(max(0, Int((date.timeIntervalSince(now) * 1000).rounded())))
    }

    /// Parses the three date formats HTTP allows (IMF-fixdate, RFC 850, asctime).
    public static func httpDate(_ text: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
