import Foundation

/// Durations and dates as people type them in job files and on the command line.
public enum DurationText {
    /// `7d`, `12h`, `30m`, `45s` in seconds; nil for anything else or a value that is not positive.
    public static func seconds(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let value = Double(text.dropLast()), value > 0 else { return nil }
        switch unit {
        case "d": return value * 86_400
        case "h": return value * 3600
        case "m": return value * 60
        case "s": return value
        default: return nil
        }
    }

    /// `2025-01-31` (UTC midnight) or a full ISO 8601 date-time.
    public static func date(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text + "T00:00:00Z", strategy: .iso8601)
    }

    /// Seconds as the shortest exact text `seconds(_:)` reads back: `90m`, `2h`, `7d`.
    public static func text(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds.rounded())
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] where whole >= size && whole % size == 0 {
            return "\(whole / size)\(unit)"
        }
        return "\(whole)s"
    }
}

extension ConfigNode {
    /// A duration written as `30s`, `15m`, `2h` or `7d`.
    public func duration() throws -> TimeInterval {
        let text = try string()
        guard let seconds = DurationText.seconds(text) else {
            throw error("expected a duration like 30s, 15m, 2h or 7d, found '\(text)'")
        }
        return seconds
    }
}
