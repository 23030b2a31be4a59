import Connectors
import Foundation
import Staging
import Testing

@testable import Jobs

struct ScheduleRendererTests {
    func job(_ name: String, _ text: String) throws -> JobConfiguration {
        try JobConfiguration.parse(text, file: "/srv/jobs/\(name).yml")
    }

    @Test func crontabLinesCarryTheZoneAbsolutePathsAndTheEnvironmentFile() throws {
        let renderer = ScheduleRenderer(
            binary: "/usr/local/bin/mediagw",
            workingDirectory: "/var/lib/media gw",
            environmentFile: "/etc/mediagw/mediagw.env"
        )
        let jobs = [
            try job(
                "nightly",
                "ingest: [{connector: youtube}]\nschedule: {cron: '30 2 * * *', time_zone: Europe/Berlin}"
            ),
            try job("manual", "ingest: [{connector: youtube}]"),
        ]
        let files = renderer.render(jobs)
        #expect(files.keys.sorted() == ["crontab", "systemd/mediagw-nightly.service", "systemd/mediagw-nightly.timer"])
        let lines = files["crontab"]!.split(separator: "\n").map(String.init)
        let zone = try #require(lines.firstIndex(of: "CRON_TZ=Europe/Berlin"))
        let entry = lines[zone + 1]
        #expect(try CronExpression(entry.split(separator: " ").prefix(5).joined(separator: " ")).hours == [2])
        #expect(entry.contains("cd '/var/lib/media gw' &&"))
        #expect(entry.contains("/usr/local/bin/mediagw run nightly --jobs '/var/lib/media gw/jobs'"))
        #expect(entry.contains("--staging '/var/lib/media gw/var/staging.sqlite'"))
        #expect(entry.contains(". /etc/mediagw/mediagw.env"))
        #expect(entry.hasSuffix(">> '/var/lib/media gw/var/log/nightly.log' 2>&1"))
        #expect(!entry.contains("flock"))
        let service = files["systemd/mediagw-nightly.service"]!
        #expect(service.contains("EnvironmentFile=-/etc/mediagw/mediagw.env"))
        #expect(service.contains("ExecStart=/usr/local/bin/mediagw run nightly --jobs \"/var/lib/media gw/jobs\""))
        #expect(service.contains("SuccessExitStatus=2 75"))
        let timer = files["systemd/mediagw-nightly.timer"]!
        #expect(timer.contains("OnCalendar=*-*-* 02:30:00 Europe/Berlin"))
        #expect(timer.contains("Persistent=true"))
    }

    @Test func percentSignsAreEscapedForCronAndSystemd() throws {
        let renderer = ScheduleRenderer(binary: "/opt/100%/mediagw", workingDirectory: "/srv")
        let nightly = try job("n", "ingest: [{connector: youtube}]\nschedule: {cron: '@daily'}")
        #expect(renderer.crontab([nightly]).contains("/opt/100\\%/mediagw"))
        #expect(renderer.service(nightly).contains("/opt/100%%/mediagw"))
    }
}

struct WebhookPayloadTests {
    func summary(message: String) -> JobRunSummary {
        var counts = IngestCounts()
        counts.read = 10
        counts.new = 7
        return JobRunSummary(
            job: "nightly",
            runID: 42,
            kind: "run",
            outcome: .partial,
            startedAt: "2026-11-26T02:30:00Z",
            seconds: 12.5,
            counts: counts,
            streams: [
                StreamRecord(
                    stream: "watchmode/listing",
                    outcome: .failed,
                    pages: 1,
                    requests: 3,
                    quotaUnits: 3,
                    counts: IngestCounts(),
                    message: message
                )
            ],
            stages: [],
            snapshot: nil,
            stageError: nil,
            host: "test"
        )
    }

    @Test func bothFormatsCarryTheSummaryAndNeverAKey() throws {
        let secret = "wm-secret-0123456789"
        let redactor = Redactor(secrets: [secret])
        let leaky = summary(message: "GET /list-titles?apiKey=\(secret): HTTP 500")
        let json = try WebhookNotifier.payload(leaky, format: .json, redactor: redactor)
        let text = String(decoding: json, as: UTF8.self)
        #expect(!text.contains(secret))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["job"] as? String == "nightly")
        #expect(object["outcome"] as? String == "partial")
        #expect(object["runID"] as? Int == 42)
        let slack = try WebhookNotifier.payload(leaky, format: .slack, redactor: redactor)
        let message = try #require(try JSONSerialization.jsonObject(with: slack) as? [String: String])
        #expect(message.keys.sorted() == ["text"])
        #expect(message["text"]!.contains("*nightly* run 42: *partial*"))
        #expect(message["text"]!.contains("watchmode/listing: failed"))
        #expect(!message["text"]!.contains(secret))
    }
}
