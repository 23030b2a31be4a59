import Foundation
import Hummingbird
import Jobs
import Logging
import MediaModel
import ObjectStore
import Snapshots
import Staging
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `mediagw run`, `backfill`, `reprocess` and `cron render` against `mediagw simulate`.
@Suite(.serialized) struct JobRunTests {
    struct Setup {
        var workspace: Harness.Workspace
        var simulator: Process
        var base: String
        var connectors: String { workspace.root + "/connectors" }
        var jobs: String { workspace.root + "/jobs" }

        func writeJob(_ name: String, _ text: String) throws {
            try FileManager.default.createDirectory(atPath: jobs, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(jobs)/\(name).yml"))
        }

        func run(_ arguments: [String], in workspace: Harness.Workspace? = nil) async throws -> Harness.Result {
            try await Harness.run(
                arguments + ["--jobs", jobs, "--connectors", connectors],
                in: workspace ?? self.workspace
            )
        }

        /// Waits (10 s at most) until the workspace's staging shows what `holds` looks for.
        func waitForStaging(_ holds: (StagingStore) throws -> Bool) async throws {
            for _ in 0..<400 {
                if FileManager.default.fileExists(atPath: workspace.staging),
                    let store = try? StagingStore(path: workspace.staging), (try? holds(store)) == true
                {
                    return
                }
                try await Task.sleep(for: .milliseconds(25))
            }
        }
    }

    /// A workspace with the simulator running and its connector files written.
    func setUp(titles: Int = 300, extra: [String] = []) async throws -> Setup {
        var workspace = Harness.Workspace()
        for name in ["STREAMING_AVAILABILITY_API_KEY", "WATCHMODE_API_KEY", "YOUTUBE_API_KEY"] {
            workspace.extraEnvironment[name] = "e2e-\(name.lowercased())-0123456789"
        }
        let connectors = workspace.root + "/connectors"
        let (process, out, _) = try Harness.start(
            ["simulate", "--port", "0", "--titles", "\(titles)", "--seed", "5", "--connectors", connectors] + extra,
            in: workspace
        )
        for _ in 0..<300 {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if let range = text.range(of: "simulator listening on ") {
                let base = text[range.upperBound...].prefix { !$0.isNewline }
                return Setup(workspace: workspace, simulator: process, base: String(base))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw Harness.HarnessError(message: "the simulator did not start")
    }

    func requestCount(_ base: String) async throws -> Int {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "\(base)/_simulator/stats")!)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let counts = object?["requests"] as? [String: Int] ?? [:]
        return counts.values.reduce(0, +)
    }

    /// Canonical titles of the current snapshot, by id, with their offers.
    func currentTitles(_ snapshots: String) throws -> [String: CanonicalTitle] {
        let path = try #require(try SnapshotDirectory(path: snapshots).currentSnapshotPath())
        var titles: [String: CanonicalTitle] = [:]
        try Snapshot(path: path).forEachTitle { _, title in titles[title.id] = title }
        return titles
    }

    /// A job's change events: a broker outage makes the run partial (exit 2) without holding
    /// back the snapshot, and the next run sends what the outage kept back.
    @Test func aJobsChangeEventsFailAloneAndTheNextRunSendsThem() async throws {
        let setup = try await setUp()
        defer { setup.simulator.terminate() }
        let nats = try NATSServer()
        defer { nats.stop() }
        _ = try nats.jetstream(["create", "CHANGES", "acme.changes.>"])
        try setup.writeJob(
            "sa",
            """
            ingest: [{connector: streaming-availability, streams: [catalog]}]
            then: [resolve, build, publish]
            publish: {events: {nats: {url: "\(nats.url)", subject_prefix: acme.changes}}}
            embeddings: false

            """
        )
        let first = try await setup.run(["run", "sa", "--max-pages", "2", "--no-progress"])
        #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
        nats.stop()
        let down = try await setup.run(["run", "sa", "--max-pages", "6", "--no-progress"])
        #expect(down.status == 2, "\(down.stdout) \(down.stderr)")
        #expect(down.stdout.contains("\n  published "), "the snapshot is published: \(down.stdout)")
        #expect(down.stdout.contains("cannot connect to the NATS server"), "\(down.stdout)")
        let store = try StagingStore(path: setup.workspace.staging)
        let partial = try #require(try store.runs(limit: 1).first)
        #expect(partial.outcome == .partial && partial.snapshot != nil)

        try nats.start()
        let next = try await setup.run(["run", "sa", "--max-pages", "6", "--no-progress"])
        #expect(next.status == 0, "\(next.stdout) \(next.stderr)")
        let streamed = try nats.jetstream(["read", "CHANGES"]).split(separator: "\n")
        #expect(streamed.count > 0, "the kept-back changes were sent")
        #expect(streamed.allSatisfy { $0.contains(#""subject": "acme.changes."#) }, "\(streamed.prefix(2))")
    }

    @Test func theExampleJobsRunAgainstTheSimulator() async throws {
        let setup = try await setUp()
        defer { setup.simulator.terminate() }
        let repository = Harness.packageRoot.path
        for file in try JobConfiguration.files(in: repository + "/jobs") {
            let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            // The examples as shipped, with the simulator's connector files.
            try setup.writeJob(name, try String(contentsOfFile: file, encoding: .utf8))
        }
        let check = try await setup.run(["jobs", "check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        for job in [
            "nightly", "streaming-availability", "streaming-availability-weekly", "watchmode", "justwatch", "youtube",
        ] {
            let result = try await setup.run(["run", job, "--max-pages", "4", "--no-progress"])
            #expect(result.status == 0, "\(job): \(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("\(job) run "), "\(result.stdout)")
            #expect(result.stdout.contains(": success in "), "\(result.stdout)")
        }
        // Jobs without `embed` in `then` embed too when the model is there: the nightly job's
        // vectors are never replaced by a lexical-only snapshot.
        let info = try await Harness.run(["snapshot", "info"], in: setup.workspace)
        #expect(
            info.stdout.contains("vectors:        ") && !info.stdout.contains("vectors:        none"),
            "\(info.stdout)"
        )
        // A run that brings nothing new publishes nothing, and says so.
        let again = try await setup.run(["run", "youtube", "--max-pages", "4", "--no-progress"])
        #expect(again.stdout.contains("  unchanged: "), "\(again.stdout)")
        #expect(!again.stdout.contains("\n  published "), "\(again.stdout)")
        let store = try StagingStore(path: setup.workspace.staging)
        let repeated = try #require(try store.runs(limit: 1).first)
        #expect(repeated.snapshot == nil && repeated.outcome == .success)
        let runs = try store.runs(limit: 50).filter { $0.kind == "run" && $0.id != repeated.id }
        #expect(runs.count == 6)
        // A job whose streams brought nothing new publishes nothing and says so.
        #expect(runs.allSatisfy { $0.outcome == .success })
        #expect(runs.allSatisfy { $0.snapshot != nil || $0.stages?.contains(#""outcome":"unchanged""#) == true })
        let nightly = try #require(runs.first { $0.job == "nightly" })
        let streams = try store.streams(runID: nightly.id)
        #expect(Set(streams.map { $0.stream.split(separator: "/").first! }).count == 4)
        #expect(streams.allSatisfy { $0.requests > 0 })
        #expect(nightly.quotaUnits > 0)
        #expect(try currentTitles(setup.workspace.snapshots).count > 100)
        let detail = try await Harness.run(["runs", "show", "\(nightly.id)"], in: setup.workspace)
        #expect(detail.stdout.contains("stream watchmode/listing: paused, 4 pages"), "\(detail.stdout)")
        #expect(detail.stdout.contains("stage publish: success"), "\(detail.stdout)")
        // Runs reserve quota in blocks and give back what they did not spend: the ledger holds
        // exactly the units the runs charged.
        let ledger = try await Harness.run(["quota", "--json"], in: setup.workspace)
        #expect(ledger.status == 0, "\(ledger.stderr)")
        let entries = try JSONSerialization.jsonObject(with: Data(ledger.stdout.utf8)) as? [[String: Any]] ?? []
        let charged = entries.compactMap { $0["units"] as? Int }.reduce(0, +)
        #expect(charged == runs.reduce(0) { $0 + $1.quotaUnits }, "\(ledger.stdout)")
        #expect(entries.allSatisfy { ($0["key"] as? String)?.hasPrefix("env:") == true }, "keys by name only")
    }

    @Test func aJobUploadsToTheStoreAndTheNextRunResumesAnUploadAnOutageStopped() async throws {
        let setup = try await setUp(titles: 100)
        defer { setup.simulator.terminate() }
        let server = try SeaweedFS.shared()
        let bucket = "jobs-\(UUID().uuidString.prefix(8).lowercased())"
        try await S3Client(
            configuration: S3Configuration(
                endpoint: server.endpoint,
                credentials: S3Credentials(accessKeyID: server.accessKey, secretAccessKey: server.secretKey)
            )
        ).createBucket(bucket)
        var workspace = setup.workspace
        workspace.extraEnvironment.merge(server.environment) { $1 }
        workspace.extraEnvironment["AWS_ENDPOINT_URL"] = nil
        func job(endpoint: String) -> String {
            """
            ingest: [{connector: youtube, streams: [feeds]}]
            then: [resolve, build, publish]
            embeddings: false
            publish: {to: "s3://\(bucket)/youtube", endpoint: "\(endpoint)"}
            """
        }
        // The store is down (nothing listens on port 9): the local snapshot is published, the
        // upload fails and the run says so.
        try setup.writeJob("to-store", job(endpoint: "http://127.0.0.1:9"))
        let down = try await setup.run(["run", "to-store", "--no-progress"], in: workspace)
        #expect(down.status == 1, "\(down.stdout)\(down.stderr)")
        #expect(down.stdout.contains("the upload to s3://\(bucket)/youtube failed"), "\(down.stdout)")
        let local = try #require(try SnapshotDirectory(path: workspace.snapshots).currentSnapshotPath())
        // Back up: the next run finds nothing new to build and uploads what the last one could not.
        try setup.writeJob("to-store", job(endpoint: server.endpoint.absoluteString))
        let up = try await setup.run(["run", "to-store", "--no-progress"], in: workspace)
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(up.stdout.contains("  unchanged: "), "\(up.stdout)")
        let name = (local as NSString).lastPathComponent
        #expect(up.stdout.contains("upload: s3://\(bucket)/youtube/\(name) uploaded"), "\(up.stdout)")
        let remote = try await Harness.run(
            ["snapshot", "verify", "s3://\(bucket)/youtube", "--s3-endpoint", server.endpoint.absoluteString],
            in: workspace
        )
        #expect(remote.status == 0 && remote.stdout.contains(name), "\(remote.stdout)\(remote.stderr)")
        for output in [down.stdout, down.stderr, up.stdout, up.stderr] {
            #expect(!output.contains(server.secretKey))
        }
    }

    @Test func aSecondRunOfARunningJobGetsLockHeldAndAStaleLockIsTakenOver() async throws {
        let setup = try await setUp()
        defer { setup.simulator.terminate() }
        try setup.writeJob("jw", "ingest: [{connector: justwatch, streams: [new]}]\nthen: []\n")
        // A live process of this machine holds the job's lock.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sleep")
        holder.arguments = ["60"]
        try holder.run()
        defer { if holder.isRunning { holder.terminate() } }
        let store = try StagingStore(path: setup.workspace.staging)
        let live = LockHolder(
            pid: holder.processIdentifier,
            processStart: try #require(JobLock.processStart(pid: holder.processIdentifier)),
            host: JobLock.hostName(),
            acquiredAt: "2026-11-26T00:00:00Z"
        )
        _ = try store.acquireLock(job: "jw", holder: live) { _ in false }

        let refused = try await setup.run(["run", "jw"])
        #expect(refused.status == 73)
        #expect(
            refused.stderr.contains("job 'jw' is already running (pid \(holder.processIdentifier)"),
            "\(refused.stderr)"
        )
        let waited = try await setup.run(["run", "jw", "--wait", "1s"])
        #expect(waited.status == 73)
        // The refused runs did nothing: no run was begun.
        #expect(try store.runs(job: "jw").isEmpty)

        // The holder dies without releasing (kill -9): the next run takes the lock over.
        kill(holder.processIdentifier, SIGKILL)
        await holder.exited()
        let resumed = try await setup.run(["run", "jw"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(
            resumed.stderr.contains("took over the lock of job jw from pid \(holder.processIdentifier)"),
            "\(resumed.stderr)"
        )
        #expect(try store.locks()["jw"] == nil, "released at the end")
    }

    @Test func ingestRefreshesSingleStreamingAvailabilityShows() async throws {
        let setup = try await setUp(titles: 60)
        defer { setup.simulator.terminate() }
        // Two shows the catalog lists, by their Streaming Availability ids.
        let catalog = try await Harness.run(
            [
                "ingest", "streaming-availability", "--stream", "catalog", "--max-pages", "1", "--connectors",
                setup.connectors,
            ],
            in: setup.workspace
        )
        #expect(catalog.status == 0, "\(catalog.stderr)")
        let listed = try StagingStore(path: setup.workspace.staging).liveRecords()
        let shows = Array(Set(listed.map { String($0.id.prefix { $0 != "@" }) })).sorted().prefix(2)
        try #require(shows.count == 2)
        let refresh = try await Harness.run(
            ["ingest", "streaming-availability", "--connectors", setup.connectors]
                + shows.flatMap { ["--show", $0] },
            in: setup.workspace
        )
        #expect(refresh.status == 0, "\(refresh.stderr)")
        #expect(refresh.stdout.contains("streaming-availability/refresh: completed, 2 pages"), "\(refresh.stdout)")
        // Each show in every country it is offered in; what the catalog staged comes back unchanged.
        let after = try StagingStore(path: setup.workspace.staging).liveRecords()
        let refreshed = after.filter { record in shows.contains { record.id.hasPrefix("\($0)@") } }
        let before = listed.filter { record in shows.contains { record.id.hasPrefix("\($0)@") } }
        #expect(refreshed.count >= before.count && Set(before).isSubset(of: Set(refreshed)))
        let unknown = try await Harness.run(
            ["ingest", "streaming-availability", "--show", "999999", "--connectors", setup.connectors],
            in: setup.workspace
        )
        #expect(unknown.status == 1 && unknown.stdout.contains("HTTP 404"), "\(unknown.stdout)")
        let otherProvider = try await Harness.run(
            ["ingest", "watchmode", "--show", "1", "--connectors", setup.connectors],
            in: setup.workspace
        )
        #expect(otherProvider.status == 64 && otherProvider.stderr.contains("watchmode does not"))
    }

    @Test func twoRunsOfOneJobAtOnceNeverOverlap() async throws {
        // Every JustWatch answer takes half a second, so the first run is still going.
        let setup = try await setUp(extra: ["--fault", "justwatch:slow:100000"])
        defer { setup.simulator.terminate() }
        try setup.writeJob("jw", "ingest: [{connector: justwatch, streams: [popular]}]\nthen: []\nmax_pages: 6\n")
        let (first, out, _) = Harness.makeProcess(
            ["run", "jw", "--jobs", setup.jobs, "--connectors", setup.connectors],
            in: setup.workspace
        )
        try first.run()
        // Wait until the first run holds the lock.
        try await setup.waitForStaging { try $0.locks()["jw"] != nil }
        let second = try await setup.run(["run", "jw"])
        #expect(second.status == 73, "\(second.stderr)")
        #expect(
            second.stderr.contains("job 'jw' is already running (pid \(first.processIdentifier)"),
            "\(second.stderr)"
        )
        await first.exited()
        #expect(first.terminationStatus == 0, "\((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")")
        // Once it has ended, the next run goes ahead.
        #expect(try await setup.run(["run", "jw"]).status == 0)
        #expect(try StagingStore(path: setup.workspace.staging).runs(job: "jw").count == 2)
    }

    @Test func killedRunsResumeToTheSnapshotOfAnUninterruptedRun() async throws {
        let setup = try await setUp(titles: 500)
        defer { setup.simulator.terminate() }
        try setup.writeJob(
            "all",
            """
            ingest:
              - {connector: watchmode, streams: [listing]}
              - {connector: justwatch, streams: [popular]}
              - {connector: streaming-availability, streams: [catalog]}
            then: [resolve, build, publish]
            """
        )
        var reference = setup.workspace
        reference.extraEnvironment["MEDIAGW_STAGING"] = setup.workspace.root + "/reference/staging.sqlite"
        reference.extraEnvironment["MEDIAGW_SNAPSHOTS"] = setup.workspace.root + "/reference/snapshots"
        let started = Date()
        let clean = try await setup.run(["run", "all"], in: reference)
        #expect(clean.status == 0, "\(clean.stderr)")
        let duration = Date().timeIntervalSince(started)

        var generator = SystemRandomNumberGenerator()
        var kills = 0
        // A run that finishes before its kill time leaves nothing for the next ones to do (and
        // so nothing to interrupt): the workspace then starts over, empty, until four kills.
        for _ in 0..<12 where kills < 4 {
            let (process, _, _) = Harness.makeProcess(
                ["run", "all", "--jobs", setup.jobs, "--connectors", setup.connectors],
                in: setup.workspace
            )
            try process.run()
            // Anywhere from the first page to the build and publish (later runs have less to
            // fetch, so the same moment falls later in their chain).
            let moment = duration * Double.random(in: 0.02...1.0, using: &generator)
            try await Task.sleep(for: .milliseconds(Int(moment * 1000)))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
                await process.exited()
            } else {
                await process.exited()
                for suffix in ["", "-wal", "-shm"] { unlink(setup.workspace.staging + suffix) }
                try? FileManager.default.removeItem(atPath: setup.workspace.snapshots)
            }
        }
        let resumed = try await setup.run(["run", "all"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(kills > 0)

        let expected = try StagingStore(path: setup.workspace.root + "/reference/staging.sqlite").liveRecords()
        #expect(expected.count > 200)
        #expect(try StagingStore(path: setup.workspace.staging).liveRecords() == expected)
        let expectedTitles = try currentTitles(setup.workspace.root + "/reference/snapshots")
        let titles = try currentTitles(setup.workspace.snapshots)
        #expect(titles.count == expectedTitles.count)
        #expect(titles == expectedTitles)
        // No half-written snapshot was published: every snapshot in the directory verifies.
        for name in SnapshotDirectory(path: setup.workspace.snapshots).snapshotNames() {
            try Snapshot(path: setup.workspace.snapshots + "/" + name).verify()
        }
        let history = try StagingStore(path: setup.workspace.staging).runs(job: "all", limit: 20)
        #expect(!history.contains { $0.outcome == .running })
    }

    @Test func configurationProblemsExit78NamingTheFileAndKeyAndNeverAValue() async throws {
        let setup = try await setUp()
        defer { setup.simulator.terminate() }
        try setup.writeJob("typo", "ingest: [{connector: justwatch}]\nthen: [resolve]\nretention: {run: 30d}\n")
        let typo = try await setup.run(["run", "typo"])
        #expect(typo.status == 78)
        #expect(
            typo.stderr.contains("typo.yml: key 'retention.run' (line 3): unknown key (did you mean 'runs'?)"),
            "\(typo.stderr)"
        )
        let check = try await setup.run(["jobs", "check"])
        #expect(check.status == 78)
        #expect(check.stdout.contains("error "), "\(check.stdout)")

        try FileManager.default.removeItem(atPath: setup.jobs + "/typo.yml")
        try setup.writeJob("keys", "ingest: [{connector: watchmode}]\nthen: []\n")
        var workspace = setup.workspace
        workspace.extraEnvironment["WATCHMODE_API_KEY"] = ""
        let missing = try await setup.run(["run", "keys"], in: workspace)
        #expect(missing.status == 78)
        #expect(
            missing.stderr.contains("keys.yml: connector 'watchmode': the environment variable WATCHMODE_API_KEY"),
            "\(missing.stderr)"
        )
        #expect(try StagingStore(path: setup.workspace.staging).runs(job: "keys").isEmpty, "nothing was begun")

        let unknown = try await setup.run(["run", "nosuchjob"])
        #expect(unknown.status == 78)
        #expect(unknown.stderr.contains("no job 'nosuchjob'"), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("jobs: keys"), "\(unknown.stderr)")
    }

    @Test func theSchedulerStopsGracefullyOnSIGTERM() async throws {
        let setup = try await setUp()
        defer { setup.simulator.terminate() }
        try setup.writeJob("hourly", "ingest: [{connector: justwatch}]\nschedule: {cron: '0 * * * *'}\n")
        let (process, out, _) = Harness.makeProcess(
            ["schedule", "--jobs", setup.jobs, "--connectors", setup.connectors],
            in: setup.workspace
        )
        try process.run()
        var text = ""
        for _ in 0..<200 where !text.contains("scheduled jobs") {
            try await Task.sleep(for: .milliseconds(50))
            text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        }
        #expect(text.contains("scheduler: 1 scheduled jobs"), "\(text)")
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        await process.exited()
        #expect(process.terminationStatus == 0)
        #expect((try? String(contentsOfFile: out, encoding: .utf8))?.contains("scheduler: stopping") == true)
    }

    @Test func sigtermStopsARunAtAPageBoundaryAndRecordsIt() async throws {
        // Every JustWatch answer takes half a second and there are about a hundred pages, so the
        // run is mid-stream when the signal comes, even if this test waits long for a thread.
        let setup = try await setUp(titles: 2000, extra: ["--fault", "justwatch:slow:100000"])
        defer { setup.simulator.terminate() }
        try setup.writeJob("jw", "ingest: [{connector: justwatch, streams: [popular]}]\nthen: []\n")
        let (process, out, err) = Harness.makeProcess(
            ["run", "jw", "--jobs", setup.jobs, "--connectors", setup.connectors],
            in: setup.workspace
        )
        try process.run()
        // Wait for the first committed page.
        try await setup.waitForStaging { (try $0.runs(job: "jw").first?.counts.read ?? 0) > 0 }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning, "the run did not stop on SIGTERM")
        await process.exited()
        let output =
            ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
            + ((try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
        // Stopped streams make the run partial (exit 2), recorded with what it committed.
        #expect(process.terminationStatus == 2, "\(output)")
        let store = try StagingStore(path: setup.workspace.staging)
        let run = try #require(try store.runs(job: "jw").first)
        #expect(run.outcome == .partial, "\(output)")
        #expect(try store.streams(runID: run.id).map(\.outcome) == [.stopped])
        #expect(try store.liveRecords().count == run.counts.new && run.counts.new > 0)
        #expect(try store.locks()["jw"] == nil, "the lock was released")
    }

    @Test func aBackfillLeavesTheScheduledCursorAloneAndResumes() async throws {
        let setup = try await setUp()
        defer { setup.simulator.terminate() }
        try setup.writeJob("sa", "ingest: [{connector: streaming-availability, streams: [changes]}]\nthen: [resolve]\n")
        let store = try StagingStore(path: setup.workspace.staging)
        let arguments = ["backfill", "sa", "--from", "2026-10-01", "--to", "2026-11-01", "--step", "7d"]
        let first = try await setup.run(arguments)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("sa backfill "), "\(first.stdout)")
        #expect(try store.cursor(job: "sa", stream: "streaming-availability/changes") == nil)
        let key = "backfill:streaming-availability/changes:1790812800-1793491200"
        let saved = try #require(try store.cursor(job: "sa", stream: key))
        #expect(saved.contains("\"step\":5"), "all five steps done: \(saved)")
        // Running the same backfill again continues from its cursor: nothing left to fetch.
        let before = try await requestCount(setup.base)
        let again = try await setup.run(arguments)
        #expect(again.status == 0)
        #expect(try await requestCount(setup.base) == before)
        // A scheduled run is unaffected and starts its own cursor.
        #expect(try await setup.run(["run", "sa"]).status == 0)
        #expect(try store.cursor(job: "sa", stream: "streaming-availability/changes") != nil)
    }

    @Test func reprocessAppliesAMappingChangeWithoutFetching() async throws {
        let setup = try await setUp()
        defer { setup.simulator.terminate() }
        try setup.writeJob("jw", "ingest: [{connector: justwatch, streams: [popular]}]\nthen: []\n")
        #expect(try await setup.run(["run", "jw"]).status == 0)
        let store = try StagingStore(path: setup.workspace.staging)
        func genres() throws -> [String: Int] {
            var counts: [String: Int] = [:]
            for record in try store.liveRecords(source: "justwatch") {
                for genre in record.genres ?? [] { counts[genre.rawValue, default: 0] += 1 }
            }
            return counts
        }
        let before = try genres()
        let drama = try #require(before["drama"])
        let count = try store.liveRecords(source: "justwatch").count
        #expect(drama > 0)
        // A mapping fix: JustWatch's `drm` now maps to crime.
        let file = setup.connectors + "/justwatch.yml"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "drm: drama", with: "drm: crime").utf8)
            .write(to: URL(fileURLWithPath: file))
        let requests = try await requestCount(setup.base)
        let result = try await Harness.run(
            ["reprocess", "--source", "justwatch", "--connectors", setup.connectors],
            in: setup.workspace
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("justwatch: "), "\(result.stdout)")
        #expect(try await requestCount(setup.base) == requests, "nothing was fetched")
        let after = try genres()
        #expect(after["drama"] == nil)
        #expect(after["crime", default: 0] >= drama)
        // Re-derived, not added: the same records, none lost or duplicated.
        #expect(try store.liveRecords(source: "justwatch").count == count)
    }

    @Test func cronRenderWritesUnitsSystemdAccepts() async throws {
        let workspace = Harness.Workspace()
        let output = workspace.root + "/cron"
        let repository = Harness.packageRoot.path
        let result = try await Harness.run(
            [
                "cron", "render", "--output", output, "--jobs", repository + "/jobs", "--connectors",
                repository + "/connectors", "--env-file", workspace.root + "/mediagw.env",
            ],
            in: workspace
        )
        #expect(result.status == 0, "\(result.stderr)")
        let jobs = try JobConfiguration.loadAll(directory: repository + "/jobs")
        let crontab = try String(contentsOfFile: output + "/crontab", encoding: .utf8)
        let entries = crontab.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.contains("=") && !$0.isEmpty }
        #expect(entries.count == jobs.count)
        for entry in entries {
            let fields = entry.split(separator: " ")
            let cron = try CronExpression(fields.prefix(5).joined(separator: " "))
            let name = String(fields[fields.firstIndex(of: "run")! + 1])
            let job = try #require(jobs.first { $0.name == name })
            #expect(cron.minutes == job.schedule?.cron.minutes && cron.hours == job.schedule?.cron.hours)
            for flag in ["--jobs", "--connectors", "--staging", "--snapshots", "--resolution"] {
                let value = fields[fields.firstIndex(of: Substring(flag))! + 1]
                #expect(value.hasPrefix("/"), "\(flag) \(value) is absolute")
            }
        }
        let analyze = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyze) else { return }
        for job in jobs {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: analyze)
            process.arguments = [
                "verify", "\(output)/systemd/mediagw-\(job.name).service",
                "\(output)/systemd/mediagw-\(job.name).timer",
            ]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            await process.exited()
            #expect(process.terminationStatus == 0, "\(job.name): \(text)")
        }
    }

    /// Change events to the alert webhook for small setups: batches with an idempotency key; a
    /// webhook that fails makes the run partial, and the next run posts what it kept back.
    @Test func changeEventsGoToTheAlertWebhookInBatchesAndSurviveItsOutage() async throws {
        let setup = try await setUp()
        defer { setup.simulator.terminate() }
        let received = Received()
        let refusing = Mutex(false)
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 4 << 20)
            if refusing.withLock({ $0 }) { return .serviceUnavailable }
            let key = request.headers.first { $0.name.canonicalName == "idempotency-key" }?.value ?? ""
            received.payloads.withLock { $0.append(Data(buffer: body) + Data("\n\(key)".utf8)) }
            return .ok
        }
        try await whileServingWebhook(router) { port in
            try setup.writeJob(
                "sa",
                """
                ingest: [{connector: streaming-availability, streams: [catalog]}]
                then: [resolve, build, publish]
                publish: {events: {webhook: {batch: 25}}}
                alerts: {webhook_env: E2E_HOOK, on: [failed]}
                embeddings: false

                """
            )
            var workspace = setup.workspace
            workspace.extraEnvironment["E2E_HOOK"] = "http://127.0.0.1:\(port)/hook"
            #expect(try await setup.run(["run", "sa", "--max-pages", "2", "--no-progress"], in: workspace).status == 0)
            refusing.withLock { $0 = true }
            let down = try await setup.run(["run", "sa", "--max-pages", "6", "--no-progress"], in: workspace)
            #expect(down.status == 2, "\(down.stdout) \(down.stderr)")
            #expect(down.stdout.contains("change events failed: "), "\(down.stdout)")
            #expect(down.stdout.contains("HTTP 503"), "\(down.stdout)")
            #expect(!down.stdout.contains("127.0.0.1:\(port)"), "the webhook's URL is a secret")
            refusing.withLock { $0 = false }
            let next = try await setup.run(["run", "sa", "--max-pages", "6", "--no-progress"], in: workspace)
            #expect(next.status == 0, "\(next.stdout) \(next.stderr)")
        }
        let bodies = received.payloads.withLock { $0 }
        #expect(bodies.count >= 2, "\(bodies.count) batches")
        var seen: [String] = []
        var totals: [String: Int] = [:]
        for body in bodies {
            let text = String(decoding: body, as: UTF8.self)
            let key = String(text.split(separator: "\n").last ?? "")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(text.dropLast(key.count + 1).utf8)) as? [String: Any]
            )
            #expect(object["type"] as? String == "mediagw.changes")
            #expect(object["id"] as? String == key, "the idempotency key names the batch")
            let changes = try #require(object["changes"] as? [[String: Any]])
            #expect(changes.count <= 25)
            let first = try #require(object["first"] as? Int)
            let to = try #require(object["to"] as? String)
            totals[to] = object["total"] as? Int
            seen += (first..<(first + changes.count)).map { "\(to).\($0)" }
        }
        #expect(Set(seen).count == seen.count, "no change posted twice")
        #expect(seen.count == totals.values.reduce(0, +), "every change of each set, once: \(totals)")
        #expect(totals.count == 2, "the set kept back by the outage, and the next run's own")
    }

    @Test func aPartialRunPostsItsSummaryToTheWebhookWithoutSecrets() async throws {
        let setup = try await setUp(extra: ["--fault", "watchmode:server-error:1000"])
        defer { setup.simulator.terminate() }
        let received = Received()
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            received.payloads.withLock { $0.append(Data(buffer: body)) }
            return .ok
        }
        try await whileServingWebhook(router) { port in
            try setup.writeJob(
                "alerting",
                """
                ingest:
                  - {connector: watchmode, streams: [listing]}
                  - {connector: justwatch, streams: [new]}
                then: []
                alerts: {webhook_env: E2E_HOOK, format: json}
                """
            )
            var workspace = setup.workspace
            workspace.extraEnvironment["E2E_HOOK"] = "http://127.0.0.1:\(port)/hook"
            let result = try await setup.run(["run", "alerting"], in: workspace)
            #expect(result.status == 2, "partial: \(result.stdout) \(result.stderr)")
        }
        let payloads = received.payloads.withLock { $0 }
        #expect(payloads.count == 1)
        let body = try #require(payloads.first)
        let text = String(decoding: body, as: UTF8.self)
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(object["job"] as? String == "alerting")
        #expect(object["outcome"] as? String == "partial")
        let streams = try #require(object["streams"] as? [[String: Any]])
        #expect(
            streams.contains { $0["stream"] as? String == "watchmode/listing" && $0["outcome"] as? String == "failed" }
        )
        for secret in setup.workspace.extraEnvironment.values where secret.hasPrefix("e2e-") {
            #expect(!text.contains(secret))
        }
    }
}

/// Serves `router` on a loopback port (a webhook receiver) while `body` runs with that port.
func whileServingWebhook(
    _ router: Router<BasicRequestContext>,
    _ body: (Int) async throws -> Void
) async throws {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let logger = Logger(label: "webhook")
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
        logger: logger
    )
    try await whileServing(app, ports: ports, logger: logger, body)
}

/// Webhook bodies received by the test server.
final class Received: Sendable {
    let payloads = Mutex<[Data]>([])
}
