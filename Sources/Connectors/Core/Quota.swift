import Foundation

/// Units spent per (provider, key, quota day). Kept in staging so that every process and every
/// run of the day sees the same budget.
public protocol QuotaLedger: Sendable {
    /// Units already spent by `key` on `day`.
    func used(provider: String, key: String, day: String) async throws -> Int
    /// Adds `units` to the day's spend and returns the new total.
    func charge(provider: String, key: String, day: String, units: Int) async throws -> Int
}

/// A ledger in memory, for tests and one-off commands.
public actor MemoryQuotaLedger: QuotaLedger {
    private var spent: [String: Int] = [:]

    public init() {}

    public func used(provider: String, key: String, day: String) -> Int {
        spent["\(provider)|\(key)|\(day)", default: 0]
    }

    public func charge(provider: String, key: String, day: String, units: Int) -> Int {
        spent["\(provider)|\(key)|\(day)", default: 0] += units
        return spent["\(provider)|\(key)|\(day)", default: 0]
    }
}

/// A provider's daily budget and when its day turns over.
public struct QuotaPolicy: Sendable, Equatable {
    /// Units a key may spend per quota day; nil for no local budget (the provider still decides).
    public var dailyUnits: Int?
    /// Time zone the provider resets in (YouTube: America/Los_Angeles).
    public var resetTimeZone: TimeZone
    /// Hour of the day, in that zone, when the budget resets.
    public var resetHour: Int

    public init(dailyUnits: Int? = nil, resetTimeZone: TimeZone = TimeZone(identifier: "UTC")!, resetHour: Int = 0) {
        self.dailyUnits = dailyUnits
        self.resetTimeZone = resetTimeZone
        self.resetHour = resetHour
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = resetTimeZone
        return calendar
    }

    /// The quota day `date` falls in, as `yyyy-MM-dd` of the provider's reset clock.
    public func day(of date: Date) -> String {
        // Every call asks: the zone's offset at that moment and a computed date, not a calendar.
        let shifted = date.addingTimeInterval(-Double(resetHour) * 3600)
        let local = Int(shifted.timeIntervalSince1970.rounded(.down)) + resetTimeZone.secondsFromGMT(for: shifted)
        return String(ProviderValues.isoDateTime(unix: local).prefix(10))
    }

    /// When the quota day containing `date` ends.
    public func nextReset(after date: Date) -> Date {
        let shifted = date.addingTimeInterval(-Double(resetHour) * 3600)
        let startOfDay = calendar.startOfDay(for: shifted)
        let next = calendar.date(byAdding: .day, value: 1, to: startOfDay) ?? startOfDay.addingTimeInterval(86_400)
        return next.addingTimeInterval(Double(resetHour) * 3600)
    }
}
