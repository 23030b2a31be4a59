import Foundation
import MediaModel

/// A five-field cron expression (`minute hour day-of-month month day-of-week`) with the usual
/// lists, ranges, steps, month and weekday names and the `@daily`-style shorthands, read the way
/// Vixie cron reads it: when both day fields are restricted, a day matching either one is due.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let minutes: [Int]
    public let hours: [Int]
    public let daysOfMonth: [Int]
    public let months: [Int]
    /// 0 = Sunday … 6 = Saturday (7 is read as Sunday).
    public let daysOfWeek: [Int]
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool
    /// The text as written.
    public let description: String

    static let shorthands = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Parses `text`; the error says which field is wrong and why.
    public init(_ text: String) throws {
        description = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let expanded: String
        if trimmed.hasPrefix("@") {
            guard let fields = Self.shorthands[trimmed.lowercased()] else {
                throw Self.problem(
                    "unknown shorthand '\(trimmed)' (expected one of "
                        + Self.shorthands.keys.sorted().joined(separator: ", ") + ")"
                )
            }
            expanded = fields
        } else {
            expanded = trimmed
        }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw Self.problem(
                "expected 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)"
            )
        }
        minutes = try Self.field(fields[0], name: "minute", range: 0...59)
        hours = try Self.field(fields[1], name: "hour", range: 0...23)
        daysOfMonth = try Self.field(fields[2], name: "day-of-month", range: 1...31)
        months = try Self.field(fields[3], name: "month", range: 1...12, names: Self.monthNames, nameBase: 1)
        daysOfWeek = Array(
            Set(try Self.field(fields[4], name: "day-of-week", range: 0...7, names: Self.dayNames).map { $0 % 7 })
        ).sorted()
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        dayOfWeekRestricted = !fields[4].hasPrefix("*")
        // With the weekday unrestricted only days of the month decide (with both restricted,
        // either day is due); an expression whose days occur in none of its months is never due.
        if !dayOfWeekRestricted {
            let longest = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            let due = months.contains { month in daysOfMonth.contains { $0 <= longest[month - 1] } }
            if !due {
                throw Self.problem(
                    "never due: day-of-month '\(fields[2])' does not occur in month '\(fields[3])'"
                )
            }
        }
    }

    static func problem(_ message: String) -> MediaError {
        MediaError(.configuration, message)
    }

    private static func field(
        _ text: String,
        name: String,
        range: ClosedRange<Int>,
        names: [String] = [],
        nameBase: Int = 0
    ) throws -> [Int] {
        func value(_ token: Substring) throws -> Int {
            if let number = Int(token), range.contains(number) { return number }
            if let index = names.firstIndex(of: token.lowercased()) { return index + nameBase }
            throw problem(
                "\(name) field '\(text)': '\(token)' is not a value from \(range.lowerBound) to \(range.upperBound)"
                    + (names.isEmpty ? "" : " or a name like \(names[0].uppercased())")
            )
        }
        var values = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, !parts[0].isEmpty else { throw problem("\(name) field '\(text)' is malformed") }
            var step = 1
            if parts.count == 2 {
                guard let number = Int(parts[1]), number > 0 else {
                    throw problem("\(name) field '\(text)': step '\(parts[1])' must be a positive number")
                }
                step = number
            }
            let bounds: ClosedRange<Int>
            if parts[0] == "*" {
                bounds = range
            } else if let dash = parts[0].firstIndex(of: "-") {
                let low = try value(parts[0][..<dash])
                let high = try value(parts[0][parts[0].index(after: dash)...])
                guard low <= high else { throw problem("\(name) field '\(text)': range \(low)-\(high) runs backwards") }
                bounds = low...high
            } else {
                let start = try value(parts[0])
                bounds = start...(parts.count == 2 ? range.upperBound : start)
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return values.sorted()
    }

    /// Whether a local calendar day is due.
    func matches(month: Int, day: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        let byMonthDay = daysOfMonth.contains(day)
        let byWeekday = daysOfWeek.contains(weekday)
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): return byMonthDay || byWeekday
        case (true, false): return byMonthDay
        case (false, true): return byWeekday
        case (false, false): return true
        }
    }

    /// The first due time strictly after `date` in `zone`. A wall-clock time that a daylight-saving
    /// change skips is not due that day; one that occurs twice is due once, the first time.
    public func next(after date: Date, in zone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard var day = calendar.date(from: calendar.dateComponents([.year, .month, .day], from: date)) else {
            return nil
        }
        // Five years covers every expression that is due at all (29 February included).
        for _ in 0..<(366 * 5) {
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if matches(month: parts.month!, day: parts.day!, weekday: parts.weekday! - 1) {
                for hour in hours {
                    for minute in minutes {
                        var wanted = parts
                        wanted.weekday = nil
                        wanted.hour = hour
                        wanted.minute = minute
                        guard let candidate = calendar.date(from: wanted), candidate > date else { continue }
                        let back = calendar.dateComponents([.day, .hour, .minute], from: candidate)
                        if back.day == parts.day && back.hour == hour && back.minute == minute { return candidate }
                    }
                }
            }
            guard let following = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = following
        }
        return nil
    }

    /// The expression as systemd `OnCalendar=` values (two when both day fields are restricted,
    /// since systemd requires both to match where cron accepts either).
    public func systemdCalendar(zone: TimeZone) -> [String] {
        func list(_ values: [Int], full: ClosedRange<Int>, width: Int = 2) -> String {
            if values == Array(full) { return "*" }
            return values.map { String(format: "%0\(width)d", $0) }.joined(separator: ",")
        }
        let time = "\(list(hours, full: 0...23)):\(list(minutes, full: 0...59)):00"
        let month = list(months, full: 1...12)
        let days = list(daysOfMonth, full: 1...31)
        let weekdays = daysOfWeek.map { ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][$0] }.joined(separator: ",")
        let suffix = zone.identifier == "GMT" ? " UTC" : " \(zone.identifier)"
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true):
            return ["*-\(month)-\(days) \(time)\(suffix)", "\(weekdays) *-\(month)-* \(time)\(suffix)"]
        case (false, true):
            return ["\(weekdays) *-\(month)-* \(time)\(suffix)"]
        default:
            return ["*-\(month)-\(days) \(time)\(suffix)"]
        }
    }
}
