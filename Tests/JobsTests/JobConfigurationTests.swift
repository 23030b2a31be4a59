import Foundation
import MediaModel
import Testing

@testable import Jobs

struct JobConfigurationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func parse(_ text: String) throws -> JobConfiguration {
        try JobConfiguration.parse(text, file: "jobs/test.yml")
    }

    func message(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "no error"
        } catch let error as MediaError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func aPublishSectionNamesTheStoreAndItsProblemsByLine() throws {
        let job = try parse(
            """
            ingest: [{connector: youtube}]
            publish:
              to: s3://media-snapshots/prod
              endpoint: http://127.0.0.1:8333
              addressing: path
              credentials_file: /etc/mediagw/s3.credentials
            """
        )
        #expect(job.publishTo?.location.description == "s3://media-snapshots/prod")
        #expect(job.publishTo?.endpoint == "http://127.0.0.1:8333")
        #expect(job.publishTo?.addressing == .path)
        #expect(job.publishTo?.credentialsFile == "/etc/mediagw/s3.credentials")
        #expect(try parse("ingest: [{connector: youtube}]").publishTo == nil)

        let bucket = message("ingest: [{connector: youtube}]\npublish: {to: s3://Media/prod}")
        #expect(bucket.contains("'publish.to' (line 2)") && bucket.contains("not a bucket name"), "\(bucket)")
        let path = message("ingest: [{connector: youtube}]\npublish: {to: /var/snapshots}")
        #expect(path.contains("expected s3://BUCKET[/PREFIX]"), "\(path)")
        let style = message("ingest: [{connector: youtube}]\npublish: {to: s3://abc, addressing: vhost}")
        #expect(style.contains("expected path or virtual, found 'vhost'"), "\(style)")
        let unknown = message("ingest: [{connector: youtube}]\npublish: {to: s3://abc, secret: x}")
        #expect(unknown.contains("secret"), "\(unknown)")
        let noStep = message("ingest: [{connector: youtube}]\nthen: [resolve, build]\npublish: {to: s3://abc}")
        #expect(noStep.contains("no publish step"), "\(noStep)")
    }

    @Test func changeEventsAreAPublishSettingWithTheirProblemsNamed() throws {
        let job = try parse(
            """
            ingest: [{connector: youtube}]
            publish:
              events:
                nats: {url: "nats://127.0.0.1:4222", subject_prefix: acme.changes, credentials_env: NATS_TOKEN}
            """
        )
        #expect(job.publishTo == nil, "events alone need no store")
        #expect(job.events?.address.description == "nats://127.0.0.1:4222")
        #expect(job.events?.subjectPrefix == "acme.changes")
        #expect(job.events?.credentialsVariable == "NATS_TOKEN")
        let defaults = try parse("ingest: [{connector: youtube}]\npublish: {events: {nats: {url: nats://localhost}}}")
        #expect(defaults.events?.subjectPrefix == "mediagw.changes")
        #expect(defaults.events?.address.port == 4222)

        let prefix = message(
            "ingest: [{connector: youtube}]\npublish: {events: {nats: {url: nats://h, subject_prefix: my changes}}}"
        )
        #expect(prefix.contains("jobs/test.yml") && prefix.contains("publish.events.nats.subject_prefix"), "\(prefix)")
        #expect(prefix.contains("is not a NATS subject"), "\(prefix)")
        let wildcard = message(
            "ingest: [{connector: youtube}]\npublish: {events: {nats: {url: nats://h, subject_prefix: 'a.*'}}}"
        )
        #expect(wildcard.contains("is not a NATS subject"), "\(wildcard)")
        let secret = message("ingest: [{connector: youtube}]\npublish: {events: {nats: {url: 'nats://u:pw@h'}}}")
        #expect(secret.contains("publish.events.nats.url") && secret.contains("must not hold credentials"), "\(secret)")
        #expect(!secret.contains("pw@"))
        let variable = message(
            "ingest: [{connector: youtube}]\npublish: {events: {nats: {url: nats://h, credentials_env: 'tok en'}}}"
        )
        #expect(variable.contains("credentials_env") && variable.contains("NAME of an environment variable"))
        let stray = message("ingest: [{connector: youtube}]\npublish: {events: {nats: {url: nats://h}}, region: eu}")
        #expect(stray.contains("'region' is for an object store"), "\(stray)")
        let missing = message("ingest: [{connector: youtube}]\npublish: {events: {}}")
        #expect(missing.contains("missing key 'nats'"), "\(missing)")

        // The webhook takes the alerts' URL source, in batches.
        let hooked = try parse(
            "ingest: [{connector: youtube}]\npublish: {events: {webhook: {batch: 50}}}\nalerts: {webhook_env: HOOK}"
        )
        #expect(hooked.webhookEvents == WebhookEventSink(webhook: .environment("HOOK"), batch: 50))
        #expect(hooked.events == nil && hooked.eventSinks.count == 1)
        let noAlerts = message("ingest: [{connector: youtube}]\npublish: {events: {webhook: {}}}")
        #expect(noAlerts.contains("publish.events.webhook") && noAlerts.contains("no 'alerts' section"), "\(noAlerts)")
        let batch = message(
            "ingest: [{connector: youtube}]\npublish: {events: {webhook: {batch: 0}}}\nalerts: {webhook_env: HOOK}"
        )
        #expect(batch.contains("publish.events.webhook.batch"), "\(batch)")
    }

    @Test func aFullJobFileReadsEveryKey() throws {
        let job = try parse(
            """
            description: test
            ingest:
              - connector: watchmode
                streams: [listing, leaving]
                settings:
                  listing: {regions: [US]}
              - connector: youtube
            mode: full
            schedule: {cron: "30 2 * * 1-5", time_zone: Europe/Berlin}
            then: [resolve, build]
            retention: {runs: 30d, snapshots: 3}
            timeouts: {run: 2h, lock_wait: 5m}
            max_pages: 10
            snapshots: out/snapshots
            alerts: {webhook_env: HOOK_URL, format: slack, on: [failed]}
            """
        )
        #expect(job.name == "test")
        #expect(job.ingest.map(\.connector) == ["watchmode", "youtube"])
        #expect(job.ingest[0].streams == ["listing", "leaving"])
        #expect(job.ingest[0].settings.keys.sorted() == ["listing"])
        #expect(job.ingest[1].streams.isEmpty)
        #expect(job.mode == .full)
        #expect(job.schedule?.timeZone.identifier == "Europe/Berlin")
        #expect(job.schedule?.cron.hours == [2])
        #expect(job.steps == [.resolve, .build])
        #expect(job.keepRunsFor == 30 * 86_400)
        #expect(job.keepSnapshots == 3)
        #expect(job.runTimeout == 7200)
        #expect(job.lockWait == 300)
        #expect(job.maxPages == 10)
        #expect(job.snapshots == "out/snapshots")
        #expect(job.alerts?.format == .slack)
        #expect(job.alerts?.on == [.failed])
    }

    @Test func defaultsAreAnIncrementalRunOfEveryStepWithoutSchedule() throws {
        let job = try parse("ingest: [{connector: justwatch}]")
        #expect(job.mode == .incremental)
        #expect(job.steps == JobConfiguration.Step.allCases)
        #expect(job.schedule == nil)
        #expect(job.alerts == nil)
        #expect(job.lockWait == 0)
    }

    @Test(arguments: [
        (
            "ingest: [{connector: justwatch}]\nshedule: {cron: '* * * * *'}",
            "key 'shedule' (line 2): unknown key (did you mean 'schedule'?)"
        ),
        ("ingest: [{connector: netflix}]", "key 'ingest[0].connector' (line 1): unknown connector 'netflix'"),
        (
            "ingest: [{connector: watchmode, streams: [listing, leavng]}]",
            "key 'ingest[0].streams[1]' (line 1): watchmode has no stream 'leavng'"
        ),
        (
            "ingest: [{connector: justwatch}]\nschedule: {cron: '61 * * * *'}",
            "invalid cron expression: minute field '61'"
        ),
        ("ingest: [{connector: justwatch}]\nschedule: {cron: '0 3 * *'}", "expected 5 fields"),
        (
            "ingest: [{connector: justwatch}]\nschedule: {cron: '0 3 * * *', time_zone: Mars/Base}",
            "unknown time zone 'Mars/Base'"
        ),
        ("ingest: [{connector: justwatch}]\nthen: [build, publish]", "'build' needs 'resolve'"),
        ("ingest: [{connector: justwatch}]\nthen: [resolve, embed]", "'embed' needs 'build'"),
        ("ingest: [{connector: justwatch}]\nmode: sometimes", "expected incremental or full"),
        ("ingest: [{connector: justwatch}]\ntimeouts: {run: soon}", "expected a duration like 30s"),
        (
            "ingest: [{connector: justwatch}]\nalerts: {webhook_env: 'https://hooks.example/T0/B0/x'}",
            "expected the NAME of an environment variable"
        ),
        (
            "ingest: [{connector: justwatch}]\nalerts: {webhook_env: HOOK, on: [sometimes]}",
            "unknown outcome 'sometimes'"
        ),
        ("ingest: [{connector: justwatch}, {connector: justwatch}]", "appears twice"),
        ("description: no ingest", "missing key 'ingest'"),
        ("ingest: [{connector: justwatch}\n", "invalid YAML"),
    ])
    func badFilesNameTheFileTheKeyAndWhatWasExpected(text: String, expected: String) {
        let found = message(text)
        #expect(found.hasPrefix("jobs/test.yml: "), "\(found)")
        #expect(found.contains(expected), "\(found)")
    }

    @Test func everyProblemInAFileIsReportedAtItsOwnLine() {
        let found = message(
            """
            description: two mistakes and a never-due schedule
            ingest:
              - connector: justwatch
                streams: [popular, nwe]
            shedule:
              cron: "0 0 31 2 *"
            then: [resolve, build, pubish]
            timeouts:
              run: soon
            """
        )
        let lines = found.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(found)")
        #expect(lines.allSatisfy { $0.hasPrefix("jobs/test.yml: ") }, "\(found)")
        #expect(lines.contains { $0.contains("key 'shedule' (line 5): unknown key (did you mean 'schedule'?)") })
        #expect(lines.contains { $0.contains("key 'ingest[0].streams[1]' (line 4): justwatch has no stream 'nwe'") })
        #expect(lines.contains { $0.contains("key 'then[2]' (line 7): unknown step 'pubish'") })
        #expect(lines.contains { $0.contains("key 'timeouts.run' (line 9): expected a duration") })

        let neverDue = message("ingest: [{connector: justwatch}]\nschedule:\n  cron: '0 0 31 2 *'\n")
        #expect(neverDue.contains("key 'schedule.cron' (line 3): invalid cron expression: never due"), "\(neverDue)")
        #expect(
            message("ingest: [{connector: justwatch}]\nembeddings: false\nthen: [resolve, embed, build]").contains(
                "'embeddings: false' contradicts 'embed'"
            )
        )
    }

    @Test func theShippedExampleJobsAreValid() throws {
        let jobs = try JobConfiguration.loadAll(directory: Self.repository + "/jobs")
        #expect(jobs.count >= 5)
        let providers = Set(jobs.flatMap { $0.ingest.map(\.connector) })
        #expect(providers == ["streaming-availability", "watchmode", "justwatch", "youtube"])
        let nightly = try #require(jobs.first { $0.name == "nightly" })
        #expect(nightly.ingest.count == 4)
        for job in jobs {
            #expect(job.schedule != nil, "\(job.name) is scheduled")
            for part in job.ingest {
                let configuration = try job.connectorConfiguration(part, directory: Self.repository + "/connectors")
                #expect(configuration.provider == part.connector)
            }
        }
    }

    @Test func streamSettingsReplaceTheConnectorFilesValues() throws {
        let job = try parse(
            """
            ingest:
              - connector: watchmode
                settings:
                  leaving: {regions: [CA]}
            """
        )
        let configuration = try job.connectorConfiguration(job.ingest[0], directory: Self.repository + "/connectors")
        let leaving = try #require(try configuration.stream("leaving", allowed: ["regions", "source_types", "types"]))
        #expect(try leaving["regions"]?.strings() == ["CA"])
        #expect(leaving["regions"]?.file == "jobs/test.yml")
        // Keys the job does not set keep the connector file's values.
        let listing = try #require(
            try configuration.stream("listing", allowed: ["regions", "source_types", "types", "details_per_page"])
        )
        #expect(try listing["regions"]?.strings() == ["US", "GB"])
    }

    @Test func aMissingConnectorFileIsNamedWithTheJobKey() throws {
        let job = try parse("ingest: [{connector: youtube}]")
        #expect(throws: MediaError.self) {
            try job.connectorConfiguration(job.ingest[0], directory: "/nonexistent")
        }
        do {
            _ = try job.connectorConfiguration(job.ingest[0], directory: "/nonexistent")
        } catch let error as MediaError {
            #expect(error.message.contains("jobs/test.yml: key 'ingest[0].connector'"))
            #expect(error.message.contains("no connector file /nonexistent/youtube.yml"))
        }
    }
}
