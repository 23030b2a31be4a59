import Foundation
import MediaModel
import Testing

@testable import Jobs

struct CronExpressionTests {
    func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test func fieldsExpandListsRangesStepsAndNames() throws {
        let cron = try CronExpression("*/15 8-10,22 1,15 jan-mar mon-fri")
        #expect(cron.minutes == [0, 15, 30, 45])
        #expect(cron.hours == [8, 9, 10, 22])
        #expect(cron.daysOfMonth == [1, 15])
        #expect(cron.months == [1, 2, 3])
        #expect(cron.daysOfWeek == [1, 2, 3, 4, 5])
        #expect(try CronExpression("0 0 * * 7").daysOfWeek == [0])
        let daily = try CronExpression("@daily")
        #expect(daily.minutes == [0] && daily.hours == [0] && daily.daysOfMonth == Array(1...31))
        #expect(try CronExpression("5/20 * * * *").minutes == [5, 25, 45])
    }

    @Test(arguments: [
        "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "* * * *",
        "@reboot", "a b c d e", "0 0 31 2 *", "0 0 30,31 2 *", "0 0 31 4,6,9,11 *",
    ])
    func invalidExpressionsAreRefused(_ text: String) {
        #expect(throws: MediaError.self) { try CronExpression(text) }
    }

    @Test func aDayThatNoMonthOfTheExpressionHasIsNeverDue() throws {
        let error = #expect(throws: MediaError.self) { try CronExpression("0 0 31 2 *") }
        #expect(error?.message == "never due: day-of-month '31' does not occur in month '2'")
        // February 29th comes every four years; a weekday makes either day due.
        #expect(try CronExpression("0 0 29 2 *").next(after: Date(timeIntervalSince1970: 0), in: .gmt) != nil)
        #expect(try CronExpression("0 0 31 2 mon").next(after: Date(timeIntervalSince1970: 0), in: .gmt) != nil)
    }

    @Test func nextRunIsComputedInTheJobsTimeZone() throws {
        let cron = try CronExpression("30 2 * * *")
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        // 02:30 in Berlin is 01:30 UTC in winter.
        #expect(cron.next(after: date("2026-11-26T12:00:00Z"), in: berlin) == date("2026-11-27T01:30:00Z"))
        // Strictly after: a due time equal to `after` is the next day's.
        #expect(cron.next(after: date("2026-11-27T01:30:00Z"), in: berlin) == date("2026-11-28T01:30:00Z"))
        // And 00:30 UTC in summer.
        #expect(cron.next(after: date("2026-07-01T00:00:00Z"), in: berlin) == date("2026-07-01T00:30:00Z"))
    }

    @Test func aTimeSkippedByDaylightSavingIsNotDueThatDay() throws {
        // Berlin skips 02:00–03:00 on 2026-03-29.
        let cron = try CronExpression("30 2 * * *")
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        #expect(cron.next(after: date("2026-03-28T12:00:00Z"), in: berlin) == date("2026-03-30T00:30:00Z"))
        // 02:30 happens twice on 2026-10-25: due once.
        let first = try #require(cron.next(after: date("2026-10-24T12:00:00Z"), in: berlin))
        let second = try #require(cron.next(after: first, in: berlin))
        #expect(second.timeIntervalSince(first) > 20 * 3600)
    }

    @Test func restrictedDayFieldsMatchEitherDay() throws {
        // The 13th or any Friday, as Vixie cron reads it.
        let cron = try CronExpression("0 12 13 * fri")
        let utc = TimeZone(identifier: "UTC")!
        // 2026-11-27 is a Friday; 2026-12-13 a Sunday.
        #expect(cron.next(after: date("2026-11-26T00:00:00Z"), in: utc) == date("2026-11-27T12:00:00Z"))
        #expect(cron.next(after: date("2026-12-12T00:00:00Z"), in: utc) == date("2026-12-13T12:00:00Z"))
        #expect(cron.systemdCalendar(zone: utc).count == 2)
        // February 30th never comes: refused when read (aDayThatNoMonthOfTheExpressionHasIsNeverDue).
        #expect(throws: MediaError.self) { try CronExpression("0 0 30 2 *") }
        // Leap days do.
        #expect(
            try CronExpression("0 0 29 2 *").next(after: date("2026-01-01T00:00:00Z"), in: utc)
                == date("2028-02-29T00:00:00Z")
        )
    }

    @Test func systemdCalendarValuesAreAcceptedBySystemd() throws {
        let analyze = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyze) else { return }
        let zone = TimeZone(identifier: "America/New_York")!
        for text in ["30 2 * * *", "*/15 8-18 * * mon-fri", "0 0 1,15 * *", "0 12 13 * fri", "@hourly", "5 4 * 6 sun"] {
            for value in try CronExpression(text).systemdCalendar(zone: zone) {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: analyze)
                process.arguments = ["calendar", value]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                #expect(process.terminationStatus == 0, "systemd-analyze calendar '\(value)' (from '\(text)')")
            }
        }
    }
}
