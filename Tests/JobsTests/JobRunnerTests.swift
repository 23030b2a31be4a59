import Connectors
import Embeddings
import Foundation
import Jobs
import Logging
import MediaModel
import ProviderSimulator
import Staging
import TestSupport
import Testing

/// `JobRunner` in process against the simulator: modes, page budgets, time limits, a provider
/// down for the whole run and a build that cannot write.
@Suite struct JobRunnerTests {
    struct NoEmbedder: Error {}
    static let logger = Logger(label: "test")
    static let keys = Simulator.keys

    func withSimulator(
        faults: [Fault] = [],
        _ body: (ProviderSimulator, String) async throws -> Void
    ) async throws {
        try await Simulator.serve(faults: faults, logger: Self.logger, body)
    }

    func runner(_ store: StagingStore) -> JobRunner {
        JobRunner(store: store, logger: Self.logger) { throw NoEmbedder() }
    }

    func options(base: String, directory: String) throws -> JobRunner.Options {
        try ProviderSimulator.writeConnectorFiles(to: directory + "/connectors", base: base)
        var options = JobRunner.Options()
        options.connectors = directory + "/connectors"
        options.snapshots = directory + "/snapshots"
        options.environment = Self.keys
        return options
    }

    func job(_ text: String, name: String = "job") throws -> JobConfiguration {
        try JobConfiguration.parse(text, file: "jobs/\(name).yml")
    }

    @Test func aFullModeJobStartsOverAfterACompletedPassAndResumesAnUnfinishedOne() async throws {
        try await withSimulator { _, base in
            let directory = temporaryDirectory()
            let store = try StagingStore(path: directory + "/staging.sqlite")
            let options = try options(base: base, directory: directory)
            let full = try job("ingest: [{connector: justwatch, streams: [popular]}]\nmode: full\nthen: []\n")
            let runner = runner(store)

            // A page budget pauses the pass; the next full run resumes it instead of starting over.
            var budget = options
            budget.maxPages = 1
            let paused = try await runner.run([full], options: budget)
            #expect(paused[0].outcome == .success)
            #expect(paused[0].streams[0].outcome == .paused)
            let resumed = try await runner.run([full], options: options)
            #expect(resumed[0].streams[0].outcome == .completed)
            let firstPass = paused[0].counts.new + resumed[0].counts.new
            #expect(resumed[0].counts.unchanged == 0, "the resumed pass did not read page one again")

            // After a completed pass, a full run reads everything again from the first page.
            let again = try await runner.run([full], options: options)
            #expect(again[0].counts.unchanged == firstPass)
            #expect(again[0].counts.new == 0)

            // An incremental job continues from its cursor: the listing is done, so it starts a
            // new pass only because the finished cursor says so, not because of the mode.
            let history = try store.runs(job: "job", limit: 10)
            #expect(history.count == 3)
            #expect(history.allSatisfy { $0.kind == "run" && $0.outcome == .success })
        }
    }

    @Test func aProviderDownForTheWholeRunFailsItAndSkipsTheBuild() async throws {
        try await withSimulator(faults: [Fault(provider: "justwatch", kind: .serverError, count: 100_000)]) {
            _,
            base in
            let directory = temporaryDirectory()
            let store = try StagingStore(path: directory + "/staging.sqlite")
            var options = try options(base: base, directory: directory)
            options.maxPages = 3
            let down = try job("ingest: [{connector: justwatch}]\nthen: [resolve, build, publish]\n")
            let summaries = try await runner(store).run([down], options: options)
            #expect(summaries[0].outcome == .failed)
            #expect(summaries[0].streams.allSatisfy { $0.outcome == .failed })
            // Retries, then the host's circuit breaker opens: each stream says which.
            #expect(
                summaries[0].streams.allSatisfy { stream in
                    ["503", "circuit open"].contains { stream.message?.contains($0) == true }
                }
            )
            #expect(summaries[0].snapshot == nil)
            #expect(RunOutcome.combined(summaries.map(\.outcome)) == .failed)
            let run = try #require(try store.run(id: summaries[0].runID))
            #expect(run.outcome == .failed)
            #expect(run.message?.contains("stages after the ingest were skipped") == true)
            #expect(!FileManager.default.fileExists(atPath: options.snapshots + "/CURRENT"))
        }
    }

    @Test func anUnwritableSnapshotDirectoryFailsTheRunAndKeepsWhatWasIngested() async throws {
        try await withSimulator { _, base in
            let directory = temporaryDirectory()
            let store = try StagingStore(path: directory + "/staging.sqlite")
            var options = try options(base: base, directory: directory)
            // A path under a regular file can never be created, whoever runs the test.
            _ = FileManager.default.createFile(atPath: directory + "/file", contents: Data())
            options.snapshots = directory + "/file/snapshots"
            options.maxPages = 2
            let build = try job(
                "ingest: [{connector: justwatch, streams: [popular]}]\nthen: [resolve, build, publish]\n"
            )
            let summaries = try await runner(store).run([build], options: options)
            #expect(summaries[0].outcome == .failed)
            #expect(summaries[0].stageError?.contains("cannot create the snapshots directory") == true)
            #expect(summaries[0].counts.new > 0)
            #expect(try store.liveRecords(source: "justwatch").count == summaries[0].counts.new)
        }
    }

    @Test func aRunTimeLimitStopsStreamsAtAPageBoundaryWithTheirCursors() async throws {
        try await withSimulator(faults: [
            Fault(provider: "justwatch", kind: .slow, count: 100_000, delayMilliseconds: 300)
        ]) {
            _,
            base in
            let directory = temporaryDirectory()
            let store = try StagingStore(path: directory + "/staging.sqlite")
            let options = try options(base: base, directory: directory)
            let limited = try job(
                "ingest: [{connector: justwatch, streams: [popular]}]\nthen: []\ntimeouts: {run: 0.5s}\n"
            )
            let summaries = try await runner(store).run([limited], options: options)
            let stream = try #require(summaries[0].streams.first)
            #expect(stream.outcome == .stopped)
            #expect(stream.pages >= 1 && stream.pages <= 8)
            #expect(
                stream.message == "stopped at the run's time limit after \(stream.pages) pages; resumes from its cursor"
            )
            #expect(summaries[0].outcome == .partial)
            #expect(try store.cursor(job: "job", stream: "justwatch/popular") != nil)
        }
    }

    @Test func oldRunsArePrunedButTheNewestIsKept() throws {
        let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
        for _ in 0..<3 {
            let id = try store.beginRun(job: "nightly", kind: "run")
            try store.finishRun(id: id, outcome: .success, counts: IngestCounts())
        }
        let other = try store.beginRun(job: "other", kind: "run")
        try store.finishRun(id: other, outcome: .success, counts: IngestCounts())
        // Everything started before a minute from now is old.
        #expect(try store.pruneRuns(job: "nightly", startedBefore: Date().addingTimeInterval(60)) == 2)
        #expect(try store.runs(job: "nightly").count == 1)
        #expect(try store.runs(job: "other").count == 1)
        #expect(try store.pruneRuns(job: "nightly", startedBefore: Date().addingTimeInterval(-60)) == 0)
    }
}
