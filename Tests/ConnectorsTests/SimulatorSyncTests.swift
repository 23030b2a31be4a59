import Connectors
import Foundation
import Jobs
import Logging
import MediaModel
import ProviderSimulator
import Staging
import TestSupport
import Testing

/// Connectors against the provider simulator on loopback: full and incremental syncs, faults,
/// quota and key rotation, resumption, and secrets kept out of logs and the archive.
@Suite struct SimulatorSyncTests {
    static let keys = Simulator.keys
    static let logger = Logger(label: "test")

    /// Runs `body` with a simulator of `titles` titles serving on a free loopback port.
    func withSimulator(
        titles: Int = 120,
        options: ProviderSimulator.Options = Simulator.options,
        faults: [Fault] = [],
        _ body: (ProviderSimulator, String) async throws -> Void
    ) async throws {
        try await Simulator.serve(titles: titles, options: options, faults: faults, logger: Self.logger, body)
    }

    func configuration(_ provider: String, base: String, edit: (String) -> String = { $0 }) throws
        -> ConnectorConfiguration
    {
        let text = edit(try #require(ProviderSimulator.connectorFiles(base: base)[provider]))
        return try ConnectorConfiguration.parse(text, file: "\(provider).yml")
    }

    func ingest(
        _ configuration: ConnectorConfiguration,
        store: StagingStore,
        environment: [String: String] = keys,
        streams names: [String]? = nil,
        pageLimit: Int? = nil,
        backfill: TimeWindow? = nil,
        logger: Logger = logger
    ) async throws -> IngestRunner.Report {
        var streams = try Connector.streams(
            for: configuration,
            ledger: StagingQuotaLedger(store: store),
            logger: logger,
            environment: environment
        )
        if let names { streams = streams.filter { names.contains($0.name) } }
        return try await IngestRunner(store: store, job: "test", logger: logger, pageLimit: pageLimit)
            .run(streams, backfill: backfill, step: 10 * 86_400)
    }

    /// A Streaming Availability catalog sync into fresh staging.
    func catalogSync(_ base: String) async throws -> (StagingStore, IngestRunner.Report) {
        let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
        let report = try await ingest(
            configuration("streaming-availability", base: base),
            store: store,
            streams: ["catalog"]
        )
        return (store, report)
    }

    /// Staging holds exactly the simulator's Streaming Availability records.
    func expectEveryTitle(_ store: StagingStore, _ simulator: ProviderSimulator) throws {
        #expect(
            Set(try staged(store, source: "streaming-availability").keys)
                == truth(simulator, source: "streaming-availability")
        )
    }

    func staged(_ store: StagingStore, source: String) throws -> [String: SourceRecord] {
        Dictionary(uniqueKeysWithValues: try store.liveRecords(source: source).map { ($0.id, $0) })
    }

    func truth(_ simulator: ProviderSimulator, source: String) -> Set<String> {
        let lines = String(decoding: simulator.world.groundTruth(), as: UTF8.self).split(separator: "\n")
        var keys = Set<String>()
        for line in lines {
            for key in line.split(separator: "\"") where key.hasPrefix("\(source):") {
                keys.insert(String(key.dropFirst(source.count + 1)))
            }
        }
        return keys
    }

    @Test(arguments: ["streaming-availability", "watchmode", "justwatch"])
    func fullSyncStagesExactlyTheProvidersTitles(provider: String) async throws {
        try await withSimulator { simulator, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            let streams = ["streaming-availability": ["catalog"], "watchmode": ["listing"], "justwatch": ["popular"]][
                provider
            ]!
            let report = try await ingest(configuration(provider, base: base), store: store, streams: streams)
            #expect(report.outcome == .success)
            let records = try staged(store, source: provider)
            #expect(Set(records.keys) == truth(simulator, source: provider))
            #expect(records.values.allSatisfy { $0.problems().isEmpty })
            #expect(records.values.contains { !($0.offers ?? []).isEmpty })
            // A second full sync finds nothing new or changed.
            let again = try await ingest(configuration(provider, base: base), store: store, streams: streams)
            #expect(again.counts.new == 0 && again.counts.changed == 0)
            #expect(again.counts.unchanged == report.counts.read - report.counts.quarantined)
        }
    }

    @Test func watchmodeReadsEachListPageOnceForAllItsChunks() async throws {
        try await withSimulator { simulator, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            let report = try await ingest(configuration("watchmode", base: base), store: store, streams: ["listing"])
            let titles = truth(simulator, source: "watchmode").count
            #expect(report.streams[0].pages > 3, "the list page was committed in several chunks")
            // /sources and /regions, one list page (250 ids at most), then one details call per title.
            #expect(titles < 250)
            #expect(simulator.requestCounts["watchmode"] == 2 + 1 + titles)
        }
    }

    @Test func singleShowsRefreshInEveryCountryAndAnUnknownOneFailsByName() async throws {
        try await withSimulator { simulator, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            let shows = simulator.world.titles.filter(\.onStreamingAvailability).prefix(2)
            let ids = shows.map { String($0.index + 1) }
            let stream = try Connector.refreshStream(
                ids: ids,
                for: configuration("streaming-availability", base: base),
                ledger: MemoryQuotaLedger(),
                logger: Self.logger,
                environment: Self.keys
            )
            let report = try await IngestRunner(store: store, job: "test", logger: Self.logger).run([stream])
            #expect(report.outcome == .success)
            #expect(report.streams[0].pages == 2)
            // One record per country each show is offered in, as the catalog stages them.
            let staged = Set(try staged(store, source: "streaming-availability").keys)
            let expected = Set(
                truth(simulator, source: "streaming-availability").filter { key in
                    ids.contains { key.hasPrefix("\($0)@") }
                }
            )
            #expect(!expected.isEmpty && staged == expected)

            let unknown = try Connector.refreshStream(
                ids: ["999999"],
                for: configuration("streaming-availability", base: base),
                ledger: MemoryQuotaLedger(),
                logger: Self.logger,
                environment: Self.keys
            )
            let failed = try await IngestRunner(store: store, job: "test", logger: Self.logger).run([unknown])
            #expect(failed.streams[0].outcome == .failed)
            #expect(failed.streams[0].message?.contains("shows/999999") == true)
            #expect(failed.streams[0].message?.contains("404") == true)
        }
    }

    @Test func gzipAnswersAreDecodedBeforeParsingAndArchiving() async throws {
        var options = ProviderSimulator.Options(keys: [:])
        options.gzip = true
        try await withSimulator(options: options) { simulator, base in
            let (store, report) = try await catalogSync(base)
            #expect(report.outcome == .success)
            #expect(simulator.gzippedAnswers == report.streams[0].pages, "every page came gzip-compressed")
            try expectEveryTitle(store, simulator)
            // The archive holds the JSON as the provider meant it, not the gzip bytes on the wire.
            #expect(try store.rawPayloadsContain(Data(#""shows":["#.utf8)))
            #expect(try !store.rawPayloadsContain(Data([0x1F, 0x8B, 0x08])))
        }
    }

    /// A key echoed percent-encoded or JSON-escaped once reached the archive (only the raw form
    /// was redacted). Every Watchmode answer here echoes it in six forms.
    @Test func keysEchoedInAnyEncodingNeverReachTheArchiveOrTheRecords() async throws {
        let key = "sk-FAKE/WM+987="
        let options = ProviderSimulator.Options(keys: ["watchmode": [key]])
        try await withSimulator(options: options, faults: [Fault(provider: "watchmode", kind: .echoKey, count: 1000)]) {
            simulator,
            base in
            let store = try StagingStore(path: temporaryDirectory("echo") + "/staging.sqlite")
            let report = try await ingest(
                try configuration("watchmode", base: base),
                store: store,
                environment: ["WATCHMODE_API_KEY": key],
                pageLimit: 2
            )
            #expect(report.outcome != .failed, "\(report.streams.compactMap(\.message))")
            #expect(try store.rawPayloadsContain(Data("[redacted]".utf8)), "the echoes were archived, redacted")
            let forms = [
                key, "sk-FAKE%2FWM%2B987%3D", "sk-FAKE%2fWM%2b987%3d", #"sk-FAKE\/WM+987="#,
                Data(key.utf8).base64EncodedString(), "c2stRkFLRS9XTSs5ODc9",
            ]
            let database = try Data(contentsOf: URL(fileURLWithPath: store.path))
            for form in forms {
                #expect(try !store.rawPayloadsContain(Data(form.utf8)), "the archive holds \(form)")
                #expect(database.range(of: Data(form.utf8)) == nil, "the staging database holds \(form)")
            }
        }
    }

    @Test func anUnreadableWatchmodeDetailsAnswerIsQuarantinedAndTheListingGoesOn() async throws {
        // The sixth Watchmode request (after /sources, /regions, the list page and two details
        // calls) is a details call answered with something that is not JSON.
        try await withSimulator(faults: [Fault(provider: "watchmode", kind: .malformed, count: 1, after: 5)]) {
            simulator,
            base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            let report = try await ingest(configuration("watchmode", base: base), store: store, streams: ["listing"])
            #expect(report.streams[0].outcome == .completed)
            #expect(report.counts.quarantined == 1)
            let entries = try store.quarantine(source: "watchmode", limit: 10)
            #expect(entries.count == 1)
            #expect(entries.first?.location.hasPrefix("GET /title/") == true, "\(entries)")
            #expect(entries.first?.location.hasSuffix("/details?append_to_response=sources") == true)
            #expect(try staged(store, source: "watchmode").count == truth(simulator, source: "watchmode").count - 1)
        }
    }

    /// Watchmode's details calls are archived a page at a time as payloads of parts; each record
    /// still re-derives from its own call, so a reprocess after a mapping change fetches nothing,
    /// changes the genres, keeps every record and leaves the unreadable call in quarantine.
    @Test func watchmodeRecordsReprocessFromTheirPartOfAPagePayload() async throws {
        try await withSimulator(faults: [Fault(provider: "watchmode", kind: .malformed, count: 1, after: 5)]) {
            simulator,
            base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            _ = try await ingest(configuration("watchmode", base: base), store: store, streams: ["listing"])
            let plan = try store.reprocessPlan(source: "watchmode")
            #expect(!plan.payloads.isEmpty)
            #expect(plan.payloads.allSatisfy { $0.contentType == ArchiveParts.contentType }, "\(plan.payloads)")
            for (id, sha) in plan.livePayload {
                let parts = try ArchiveParts.unpack(try #require(try store.rawPayload(sha256: sha)))
                #expect(parts.contains { $0.location == "GET /title/\(id)/details?append_to_response=sources" })
            }
            let before = try staged(store, source: "watchmode")
            let drama = before.values.filter { $0.genres?.contains(.drama) == true }.count
            #expect(drama > 0)
            let requests = simulator.requestCounts["watchmode"]
            let fixed = try configuration("watchmode", base: base) {
                $0.replacingOccurrences(of: #""7": drama"#, with: #""7": crime"#)
            }
            let report = try Reprocessor(store: store, logger: Self.logger).reprocess(
                source: "watchmode",
                configuration: fixed
            )
            #expect(simulator.requestCounts["watchmode"] == requests, "nothing was fetched")
            #expect(report.payloads == plan.payloads.count)
            let after = try staged(store, source: "watchmode")
            #expect(Set(after.keys) == Set(before.keys))
            #expect(after.values.allSatisfy { $0.genres?.contains(.drama) != true })
            #expect(after.values.filter { $0.genres?.contains(.crime) == true }.count >= drama)
            #expect(try store.quarantine(source: "watchmode", limit: 10).count == 1)
            #expect(try store.reprocessPlan(source: "watchmode").livePayload == plan.livePayload)
        }
    }

    @Test func justWatchSplitsSlicesByYearPastTheOffsetCeiling() async throws {
        let options = ProviderSimulator.Options(keys: [:], justWatchOffsetCeiling: 30)
        try await withSimulator(titles: 200, options: options) { simulator, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            let configuration = try configuration("justwatch", base: base) {
                $0.replacingOccurrences(
                    of: "popular: {countries: [US, GB], page_size: 40}",
                    with: "popular: {countries: [US, GB], page_size: 10, offset_ceiling: 30}"
                )
            }
            let report = try await ingest(configuration, store: store, streams: ["popular"])
            #expect(report.outcome == .success)
            #expect(Set(try staged(store, source: "justwatch").keys) == truth(simulator, source: "justwatch"))
        }
    }

    @Test func incrementalStreamsPickUpChangesAndThenRest() async throws {
        try await withSimulator { simulator, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            for provider in ["streaming-availability", "watchmode", "justwatch"] {
                _ = try await ingest(configuration(provider, base: base), store: store)
            }
            simulator.touch(count: 12)
            let sa = try await ingest(
                configuration("streaming-availability", base: base),
                store: store,
                streams: ["changes"]
            )
            let wm = try await ingest(configuration("watchmode", base: base), store: store, streams: ["changes"])
            #expect(sa.counts.changed > 0, "touched titles come back changed")
            #expect(wm.counts.changed > 0)
            #expect(
                try staged(store, source: "streaming-availability").values.filter {
                    $0.overview?.hasSuffix("(updated)") == true
                }.count > 0
            )
            // Nothing changed since: the next incremental pass stages nothing.
            let quiet = try await ingest(
                configuration("streaming-availability", base: base),
                store: store,
                streams: ["changes"]
            )
            #expect(quiet.counts.read == 0)
        }
    }

    @Test func youTubeUploadsAndFeedsAgree() async throws {
        try await withSimulator { simulator, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            let configuration = try configuration("youtube", base: base)
            let uploads = try await ingest(configuration, store: store, streams: ["uploads"])
            #expect(uploads.outcome == .success)
            let records = try staged(store, source: "youtube")
            #expect(records.count == simulator.world.videos.count)
            #expect(
                records.values.allSatisfy {
                    $0.kind == .video && $0.runtimeMinutes != nil && $0.offers?.first?.service == "youtube"
                }
            )
            // The feed describes the same videos with fewer fields: nothing changes, nothing is erased.
            let feeds = try await ingest(configuration, store: store, streams: ["feeds"])
            #expect(feeds.counts.changed == 0 && feeds.counts.new == 0)
            #expect(try staged(store, source: "youtube").values.allSatisfy { $0.runtimeMinutes != nil })
            #expect(
                try store.quotaUsed(
                    provider: "youtube",
                    key: "env:YOUTUBE_API_KEY",
                    day: QuotaPolicy(resetTimeZone: TimeZone(identifier: "America/Los_Angeles")!).day(of: Date())
                ) > 0
            )
        }
    }

    @Test(arguments: [Fault.Kind.rateLimit, .serverError, .slow, .reset])
    func transientFaultsAreRetriedAndLoseNothing(kind: Fault.Kind) async throws {
        try await withSimulator(faults: [
            Fault(provider: "*", kind: kind, count: 2, after: 3, retryAfterSeconds: 1, delayMilliseconds: 300)
        ]) { simulator, base in
            let (store, report) = try await catalogSync(base)
            #expect(report.outcome == .success)
            #expect(simulator.pendingFaults.isEmpty, "both faults were served")
            if kind != .slow {
                // Each fault cost one request that was retried.
                #expect(simulator.requestCounts["streaming-availability"] == report.streams[0].pages + 2)
            }
            try expectEveryTitle(store, simulator)
        }
    }

    @Test(arguments: [Fault.Kind.truncated, .malformed])
    func anUnreadablePageStopsTheStreamAtItsCursorAndTheRetryCompletes(kind: Fault.Kind) async throws {
        try await withSimulator(faults: [Fault(provider: "justwatch", kind: kind, count: 1, after: 2)]) {
            simulator,
            base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            let configuration = try configuration("justwatch", base: base)
            let broken = try await ingest(configuration, store: store, streams: ["popular"])
            #expect(broken.outcome == .failed)
            #expect(broken.streams[0].message?.contains("unreadable page") == true)
            #expect(broken.streams[0].pages == 2, "the two good pages before it are committed")
            let resumed = try await ingest(configuration, store: store, streams: ["popular"])
            #expect(resumed.outcome == .success)
            #expect(resumed.counts.unchanged == 0, "the resume starts at the failed page, not from the beginning")
            #expect(Set(try staged(store, source: "justwatch").keys) == truth(simulator, source: "justwatch"))
        }
    }

    @Test func anExpiredCursorRestartsTheCountryWithoutCountingTwice() async throws {
        try await withSimulator(faults: [
            Fault(provider: "streaming-availability", kind: .expiredCursor, count: 1, after: 1)
        ]) { simulator, base in
            let (store, report) = try await catalogSync(base)
            #expect(report.outcome == .success)
            #expect(report.counts.new == truth(simulator, source: "streaming-availability").count)
            #expect(report.counts.unchanged > 0, "the re-listed pages came back unchanged")
            try expectEveryTitle(store, simulator)
        }
    }

    @Test func quotaExhaustionStopsCleanlyAndResumesWhereItStopped() async throws {
        try await withSimulator { simulator, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            // A budget of 6 units: the catalog stops partway; the changes stream is not failed by it.
            let tight = try configuration("streaming-availability", base: base) { $0 + "\nquota: {daily_units: 6}" }
            let first = try await ingest(tight, store: store, streams: ["catalog"])
            #expect(first.outcome == .quotaExhausted)
            #expect(first.streams[0].pages == 6)
            #expect(first.streams[0].message?.contains("resumes after") == true)
            #expect(try store.runs(limit: 1)[0].outcome == .quotaExhausted)
            // With budget again, the run continues at the saved cursor and ends with the full set.
            let second = try await ingest(
                configuration("streaming-availability", base: base),
                store: store,
                streams: ["catalog"]
            )
            #expect(second.outcome == .success)
            #expect(second.counts.unchanged == 0)
            #expect(first.counts.new + second.counts.new == truth(simulator, source: "streaming-availability").count)
        }
    }

    @Test func aCancelledRunStopsAtTheRequestInFlightAndTheNextRunCompletesTheSet() async throws {
        // The fourth page takes 3 s to answer; the run is cancelled (as SIGTERM does) while it waits.
        let slow = Fault(provider: "streaming-availability", kind: .slow, count: 1, after: 3, delayMilliseconds: 3_000)
        try await withSimulator(faults: [slow]) { simulator, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            let configuration = try configuration("streaming-availability", base: base)
            let run = Task { try await ingest(configuration, store: store, streams: ["catalog"]) }
            while simulator.pendingFaults.count == 1 { try await Task.sleep(for: .milliseconds(10)) }
            run.cancel()
            let first = try await run.value
            #expect(first.streams[0].outcome == .stopped)
            #expect(first.streams[0].pages == 3, "the pages before the slow one are committed")
            #expect(try store.runs(limit: 1)[0].outcome == .partial)
            // The next run resumes at the saved cursor: every title, none counted twice.
            let second = try await ingest(configuration, store: store, streams: ["catalog"])
            #expect(second.outcome == .success)
            #expect(second.counts.unchanged == 0)
            #expect(
                first.counts.new + second.counts.new == truth(simulator, source: "streaming-availability").count
            )
            try expectEveryTitle(store, simulator)
        }
    }

    @Test func aSpentKeyRotatesToTheNextOne() async throws {
        let options = ProviderSimulator.Options(
            keys: ["youtube": ["yt-one-secret", "yt-two-secret"]],
            youtubeDailyUnits: 6
        )
        try await withSimulator(options: options) { simulator, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            let configuration = try configuration("youtube", base: base) {
                $0.replacingOccurrences(
                    of: "keys: [{env: YOUTUBE_API_KEY}]",
                    with: "keys: [{env: YT_ONE}, {env: YT_TWO}]"
                )
            }
            let report = try await ingest(
                configuration,
                store: store,
                environment: ["YT_ONE": "yt-one-secret", "YT_TWO": "yt-two-secret"],
                streams: ["uploads"]
            )
            #expect(report.outcome == .success, "the second key finishes what the first could not")
            #expect(try staged(store, source: "youtube").count == simulator.world.videos.count)
            let ledger = try store.quotaLedger()
            #expect(Set(ledger.map(\.key)) == ["env:YT_ONE", "env:YT_TWO"])
        }
    }

    @Test func watchmodeFallsBackToTheListingWhenThePlanRefusesChanges() async throws {
        let options = ProviderSimulator.Options(keys: [:], watchmodeChangesAllowed: false)
        try await withSimulator(options: options) { simulator, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            let report = try await ingest(configuration("watchmode", base: base), store: store, streams: ["changes"])
            #expect(report.outcome == .success)
            #expect(report.streams[0].unmapped.keys.contains { $0.hasPrefix("plan:") })
            #expect(Set(try staged(store, source: "watchmode").keys) == truth(simulator, source: "watchmode"))
        }
    }

    @Test func aBackfillLeavesTheScheduledCursorAlone() async throws {
        try await withSimulator { simulator, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            let configuration = try configuration("streaming-availability", base: base)
            _ = try await ingest(configuration, store: store, streams: ["changes"])
            let scheduled = try store.cursor(job: "test", stream: "streaming-availability/changes")
            let window = TimeWindow(
                from: Date().addingTimeInterval(-25 * 86_400),
                to: Date().addingTimeInterval(-5 * 86_400)
            )
            let backfill = try await ingest(configuration, store: store, streams: ["changes"], backfill: window)
            #expect(backfill.outcome == .success)
            #expect(backfill.counts.read > 0)
            #expect(try store.cursor(job: "test", stream: "streaming-availability/changes") == scheduled)
            // Re-running a finished backfill fetches nothing.
            let again = try await ingest(configuration, store: store, streams: ["changes"], backfill: window)
            #expect(again.streams[0].pages == 0)
        }
    }

    @Test func aFullListingTombstonesWhatDisappeared() async throws {
        try await withSimulator(titles: 60) { _, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            let configuration = try configuration("justwatch", base: base)
            _ = try await ingest(configuration, store: store, streams: ["popular"])
            // A record the provider never listed (gone since) is tombstoned by the next full pass.
            var ghost = SourceRecord(source: "watchmode", id: "999999999", kind: .movie, title: "Gone")
            ghost.year = 2001
            let wm = try self.configuration("watchmode", base: base)
            _ = try store.commit(
                StagedPage(
                    source: "watchmode",
                    raw: Data("x".utf8),
                    rawLocation: "test",
                    items: [.init(record: ghost, location: "test")]
                ),
                runID: try store.beginRun(job: "seed", kind: "test")
            )
            let report = try await ingest(wm, store: store, streams: ["listing"])
            #expect(report.counts.tombstoned == 1)
            #expect(try staged(store, source: "watchmode")["999999999"] == nil)
        }
    }

    @Test func keysNeverReachLogsErrorsOrTheArchive() async throws {
        try await withSimulator(faults: [Fault(provider: "watchmode", kind: .serverError, count: 3)]) { _, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            let lines = LogCapture()
            var logger = Logger(label: "capture") { _ in lines }
            logger.logLevel = .trace
            for provider in ["streaming-availability", "watchmode", "youtube"] {
                _ = try await ingest(configuration(provider, base: base), store: store, logger: logger)
            }
            // A refused key: its error message must not show it either.
            let wrong = try await ingest(
                configuration("watchmode", base: base),
                store: store,
                environment: ["WATCHMODE_API_KEY": "sim-wm-wrong-key-0000"],
                streams: ["listing"],
                logger: logger
            )
            #expect(wrong.outcome == .failed)
            let secrets = Array(Self.keys.values) + ["sim-wm-wrong-key-0000"]
            let logged = lines.text + (wrong.streams.compactMap(\.message).joined())
            #expect(!logged.isEmpty)
            for secret in secrets { #expect(!logged.contains(secret)) }
            let database = try Data(contentsOf: URL(fileURLWithPath: store.path))
            for secret in secrets {
                #expect(database.range(of: Data(secret.utf8)) == nil, "the staging database holds no key")
                #expect(try store.rawPayloadsContain(Data(secret.utf8)) == false, "the archive holds no key")
            }
        }
    }
}

@Suite struct SimulatorReplayTests {
    @Test func recordedResponsesAreServedBeforeGeneratedOnes() throws {
        let directory = temporaryDirectory()
        let recorded = try ParsingTests.fixture("wm_title_details_sources.json")
        try recorded.write(to: URL(fileURLWithPath: directory + "/details.json"))
        try Data(
            #"[{"method":"GET","path":"/v1/title/1000001/details","query":{"append_to_response":"sources"},"file":"details.json"}]"#
                .utf8
        ).write(to: URL(fileURLWithPath: directory + "/index.json"))
        let simulator = try ProviderSimulator(
            world: SimulatedWorld(count: 5, seed: 1),
            options: .init(replayDirectory: directory)
        )
        let replayed = simulator.handle(
            SimulatedRequest(method: "GET", path: "/v1/title/1000001/details", query: ["append_to_response": "sources"])
        )
        #expect(replayed.body == recorded)
        let generated = simulator.handle(SimulatedRequest(method: "GET", path: "/v1/title/1000001/details"))
        #expect(generated.status == 200 && generated.body != recorded, "requests the index does not list are generated")
        #expect(throws: MediaError.self) {
            try ProviderSimulator(
                world: SimulatedWorld(count: 1),
                options: .init(replayDirectory: temporaryDirectory())
            )
        }
    }
}
