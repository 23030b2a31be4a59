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

/// Charges a ledger in blocks. One write reserves `block` units (or what a call costs, if more)
/// and the calls after it spend from the reservation in memory, so a run does not write the
/// ledger once per request (a Watchmode listing sends one per title) and wait behind page
/// commits for each. Every unit is still in the ledger before its call is sent: a crash leaves
/// at most one block per key counted but not spent, never the other way round. `settle()` gives
/// back what a run reserved and did not spend; other processes see the reservation meanwhile.
public actor QuotaReservations: QuotaLedger {
    private let base: any QuotaLedger
    private let block: Int
    /// Units reserved in the base ledger and not yet spent, per provider, key and day.
    private var held: [String: Int] = [:]
    /// The base ledger's count when this process last wrote it.
    private var totals: [String: Int] = [:]

    public init(_ base: any QuotaLedger, block: Int = 25) {
        self.base = base
        self.block = max(1, block)
    }

    private static func slot(_ provider: String, _ key: String, _ day: String) -> String {
        "\(provider)|\(key)|\(day)"
    }

    /// What was spent: the base ledger's count less this process's unspent reservation.
    public func used(provider: String, key: String, day: String) async throws -> Int {
        let total = try await base.used(provider: provider, key: key, day: day)
        return total - held[Self.slot(provider, key, day), default: 0]
    }

    public func charge(provider: String, key: String, day: String, units: Int) async throws -> Int {
        let slot = Self.slot(provider, key, day)
        if held[slot, default: 0] >= units {
            held[slot, default: 0] -= units
            return totals[slot, default: 0] - held[slot, default: 0]
        }
        let reserve = max(block, units - held[slot, default: 0])
        let total = try await base.charge(provider: provider, key: key, day: day, units: reserve)
        // Read after the write: another call may have reserved meanwhile.
        held[slot, default: 0] += reserve - units
        totals[slot] = max(totals[slot, default: 0], total)
        return total - held[slot, default: 0]
    }

    /// Returns every unspent reservation to the base ledger.
    public func settle() async throws {
        for (slot, units) in held where units > 0 {
            let parts = slot.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            held[slot] = 0
            _ = try await base.charge(provider: parts[0], key: parts[1], day: parts[2], units: -units)
        }
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
