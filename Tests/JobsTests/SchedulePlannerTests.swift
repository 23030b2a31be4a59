import Foundation
import Testing

@testable import Jobs

struct SchedulePlannerTests {
    func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    let jobs = [
        try! JobConfiguration.parse(
            "ingest: [{connector: youtube}]\nschedule: {cron: '0 * * * *'}",
            file: "jobs/hourly.yml"
        ),
        try! JobConfiguration.parse(
            "ingest: [{connector: justwatch}]\nschedule: {cron: '30 2 * * *', time_zone: Europe/Berlin}",
            file: "jobs/nightly.yml"
        ),
        try! JobConfiguration.parse("ingest: [{connector: watchmode}]", file: "jobs/manual.yml"),
    ]

    @Test func jobsStartWhenDueAndNotBefore() {
        var planner = SchedulePlanner()
        // Started at 10:20: the 10:00 run is not caught up.
        var decision = planner.check(jobs, now: date("2026-11-26T10:20:00Z"), running: [])
        #expect(decision.start.isEmpty)
        #expect(decision.nextDue == date("2026-11-26T11:00:00Z"))
        decision = planner.check(jobs, now: date("2026-11-26T10:59:59Z"), running: [])
        #expect(decision.start.isEmpty)
        decision = planner.check(jobs, now: date("2026-11-26T11:00:00Z"), running: [])
        #expect(decision.start == ["hourly"])
        // Once per due time.
        decision = planner.check(jobs, now: date("2026-11-26T11:00:20Z"), running: [])
        #expect(decision.start.isEmpty)
        #expect(planner.due["nightly"] == date("2026-11-27T01:30:00Z"))
        #expect(planner.due["manual"] == nil)
    }

    @Test func aJobStillRunningIsSkippedNotStartedTwice() {
        var planner = SchedulePlanner()
        _ = planner.check(jobs, now: date("2026-11-26T10:20:00Z"), running: [])
        let decision = planner.check(jobs, now: date("2026-11-26T11:00:05Z"), running: ["hourly"])
        #expect(decision.start.isEmpty)
        #expect(decision.skipped == ["hourly"])
        #expect(planner.due["hourly"] == date("2026-11-26T12:00:00Z"))
    }

    @Test func aClockSetBackReschedulesAndOneSetForwardCatchesUpOnce() {
        var planner = SchedulePlanner()
        _ = planner.check(jobs, now: date("2026-11-26T10:20:00Z"), running: [])
        // Set back by two hours: the 11:00 run is not lost, and not run twice either.
        var decision = planner.check(jobs, now: date("2026-11-26T08:20:00Z"), running: [])
        #expect(decision.rescheduled)
        #expect(planner.due["hourly"] == date("2026-11-26T09:00:00Z"))
        // Forward by a day (a suspended machine): each missed job runs once, not once per hour.
        decision = planner.check(jobs, now: date("2026-11-27T08:30:00Z"), running: [])
        #expect(!decision.rescheduled)
        #expect(decision.start.sorted() == ["hourly", "nightly"])
        #expect(planner.due["hourly"] == date("2026-11-27T09:00:00Z"))
        decision = planner.check(jobs, now: date("2026-11-27T08:31:00Z"), running: [])
        #expect(decision.start.isEmpty)
    }
}
