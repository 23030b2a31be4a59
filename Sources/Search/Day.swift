import Foundation
import MediaModel

/// A calendar day as days since 1970-01-01 (UTC): how offer dates are compared.
public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var number: Int32

    public init(number: Int32) { self.number = number }

    /// The day of an ISO 8601 date or date-time (`2026-12-07`, `2026-12-07T10:00:00Z`); nil
    /// when it is neither.
    public init?(iso text: String) {
        let parts = text.prefix(10).split(separator: "-")
        guard text.count >= 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]),
            let day = Int(parts[2]), (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        number = Int32(CivilDate(year: year, month: month, day: day).daysSince1970)
    }

    /// Exactly `YYYY-MM-DD` of a day that exists (`2025-02-29` is not one): what the API and
    /// the command line accept.
    public init?(exactly text: String) {
        guard text.count == 10, let day = Day(iso: text), day.description == text else { return nil }
        self = day
    }

    /// The UTC day `date` falls on.
    public init(_ date: Date) {
        number = Int32((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    public func adding(days: Int) -> Day { Day(number: Int32(clamping: Int(number) + days)) }

    /// A day no offer date can be (before the year 0): a window from it to itself matches nothing.
    public static let none = Day(number: .min)

    /// The window `from`…`to`, either end open when nil; nil when both are; a start after the
    /// end is a window that matches nothing (as `year_from` after `year_to` does).
    public static func window(from: Day?, to: Day?) -> ClosedRange<Day>? {
        guard from != nil || to != nil else { return nil }
        let lower = from ?? Day(number: .min)
        let upper = to ?? Day(number: .max)
        return lower <= upper ? lower...upper : none...none
    }

    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.number < rhs.number }

    /// `YYYY-MM-DD`.
    public var description: String { CivilDate(daysSince1970: Int(number)).isoText }
}
