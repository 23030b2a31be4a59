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

/// Charges a ledger in blocks. One write reserves a block of units and the calls after it spend
/// from the reservation in memory, so a run does not write the ledger once per request (a
/// Watchmode listing sends one per title) and wait behind page commits for each write.
///
/// Every unit is in the ledger before its call is sent: a crash leaves units counted but not
/// spent, never the other way round. The next block is reserved in the background when half of
/// the current one is spent; when calls still have to wait for it, blocks double, up to
/// `maximumBlock`. So a crash over-counts by at most two blocks per key, and calls at network
/// speed keep the smallest block. `settle()` gives back what a run reserved and did not spend;
/// other processes see the reservation meanwhile.
public actor QuotaReservations: QuotaLedger {
    private let base: any QuotaLedger
    private let minimumBlock: Int
    private let maximumBlock: Int
    /// Units reserved in the base ledger and not yet spent, per provider, key and day.
    private var held: [Slot: Int] = [:]
    /// The base ledger's count when this process last wrote it.
    private var totals: [Slot: Int] = [:]
    /// The block size each slot has grown to.
    private var blocks: [Slot: Int] = [:]
    /// Reservations being written, and which of them were started before they were needed.
    private var pending: [Slot: Task<Void, any Error>] = [:]
    private var ahead: Set<Slot> = []

    public init(_ base: any QuotaLedger, block: Int = 25, maximumBlock: Int = 400) {
        self.base = base
        self.minimumBlock = max(1, block)
        self.maximumBlock = max(self.minimumBlock, maximumBlock)
    }

    private struct Slot: Hashable {
        var provider: String
        var key: String
        var day: String
    }

    /// What was spent: the base ledger's count less this process's unspent reservation.
    public func used(provider: String, key: String, day: String) async throws -> Int {
        let slot = Slot(provider: provider, key: key, day: day)
        if let reservation = pending[slot] { try await reservation.value }
        let total = try await base.used(provider: provider, key: key, day: day)
        return total - held[slot, default: 0]
    }

    public func charge(provider: String, key: String, day: String, units: Int) async throws -> Int {
        let slot = Slot(provider: provider, key: key, day: day)
        var outran = false
        while held[slot, default: 0] < units {
            if let reservation = pending[slot] {
                // Waiting for a block reserved ahead means calls outran the writes.
                outran = outran || ahead.contains(slot)
                try await reservation.value
            } else {
                reserve(slot, units: max(blocks[slot, default: minimumBlock], units - held[slot, default: 0]))
            }
        }
        if outran { blocks[slot] = min(maximumBlock, blocks[slot, default: minimumBlock] * 2) }
        held[slot, default: 0] -= units
        let block = blocks[slot, default: minimumBlock]
        if held[slot, default: 0] < (block + 1) / 2 && pending[slot] == nil {
            reserve(slot, units: block, ahead: true)
        }
        return totals[slot, default: 0] - held[slot, default: 0]
    }

    /// Writes a reservation of `units` in the background; they can be spent once it is written.
    private func reserve(_ slot: Slot, units: Int, ahead isAhead: Bool = false) {
        if isAhead { ahead.insert(slot) }
        pending[slot] = Task {
            defer {
                pending[slot] = nil
                ahead.remove(slot)
            }
            let total = try await base.charge(provider: slot.provider, key: slot.key, day: slot.day, units: units)
            held[slot, default: 0] += units
            totals[slot] = max(totals[slot, default: 0], total)
        }
    }

    /// Waits for reservations being written, then returns every unspent unit to the base ledger.
    public func settle() async throws {
        for reservation in pending.values { try await reservation.value }
        for (slot, units) in held where units > 0 {
            held[slot] = 0
            _ = try await base.charge(provider: slot.provider, key: slot.key, day: slot.day, units: -units)
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
        return ProviderValues.isoDay(unix: local)
    }

    /// When the quota day containing `date` ends.
    public func nextReset(after date: Date) -> Date {
        let shifted = date.addingTimeInterval(-Double(resetHour) * 3600)
        let startOfDay = calendar.startOfDay(for: shifted)
        let next = calendar.date(byAdding: .day, value: 1, to: startOfDay) ?? startOfDay.addingTimeInterval(86_400)
        return next.addingTimeInterval(Double(resetHour) * 3600)
    }
}
