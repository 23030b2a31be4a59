import Foundation
import Jobs
import MediaModel
import Snapshots
import Staging
import Synchronization
import TestSupport
import Testing

/// Long steps say where they are, for the progress bars of `build`, `import` and `run`.
@Suite struct ProgressTests {
    final class Recorder: Sendable {
        private let seen = Mutex<[StepProgress]>([])
        var events: [StepProgress] { seen.withLock { $0 } }
        var handler: ProgressHandler { { progress in self.seen.withLock { $0.append(progress) } } }
    }

    @Test func aBuildReportsEachStepInOrderAndHowFarEmbeddingAndTheGraphAre() async throws {
        let store = try StagingStore(path: temporaryPath("staging.sqlite"))
        let lines = (0..<30).map { line("\($0)", "Film \($0)", year: 1990 + $0) }
        _ = try CatalogImporter(source: "a", logger: logger).importFile(try writeLines(lines), into: store)
        let recorder = Recorder()
        var builder = SnapshotBuilder(embedder: RecordingEmbedder(), logger: logger)
        builder.writer.graphThreshold = 10
        builder.onProgress = recorder.handler
        _ = try await builder.build(from: store, into: SnapshotDirectory(path: temporaryPath("snapshots")))

        var steps: [String] = []
        for event in recorder.events where steps.last != event.step { steps.append(event.step) }
        #expect(steps == ["load", "resolve", "embed", "write", "graph", "publish"])
        let embedded = recorder.events.filter { $0.step == "embed" && $0.total != nil }
        #expect(embedded.last?.done == 30 && embedded.last?.total == 30, "\(embedded)")
        let graph = recorder.events.filter { $0.step == "graph" }
        #expect(graph.last?.done == 30 && graph.last?.total == 30 && graph.last?.unit == "vectors")
    }

    @Test func anImportReportsTheBytesReadOfTheFilesSize() throws {
        let store = try StagingStore(path: temporaryPath("staging.sqlite"))
        let file = try writeLines((0..<25).map { line("\($0)", "Film \($0)") })
        let recorder = Recorder()
        var importer = CatalogImporter(source: "a", pageSize: 10, logger: logger)
        importer.onProgress = recorder.handler
        _ = try importer.importFile(file, into: store)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        #expect(recorder.events.count == 3, "one report per committed page")
        #expect(recorder.events.map(\.detail) == ["10 lines", "20 lines", "25 lines"])
        #expect(recorder.events.last?.done == size && recorder.events.last?.total == size)
        #expect(recorder.events.allSatisfy { $0.step == "import" && $0.unit == "bytes" })
    }

    @Test func aRunsLineSaysHowFarTheStreamsThatCanTellAreAndWhatStageItIsIn() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        var progress = RunProgress(started: start)
        var counts = IngestCounts()
        counts.read = 20
        let listing = PageProgress(stream: "watchmode/listing", pages: 2, counts: counts, fraction: 0.5)
        let redrawn1 = progress.apply(.page(job: "nightly", progress: listing))
        #expect(!redrawn1)
        counts.read = 10
        let feeds = PageProgress(stream: "youtube/feeds", pages: 1, counts: counts)
        let redrawn2 = progress.apply(.page(job: "nightly", progress: feeds))
        #expect(!redrawn2)
        let ingest = progress.line(start.addingTimeInterval(10), bar: false)
        #expect(ingest == "50% of 1/2 streams, ETA 0m10s · ingest: 2 streams, 3 pages, 30 records (3/s) · 10 s")
        #expect(progress.line(start.addingTimeInterval(10), bar: true).hasPrefix("[##########----------] 50%"))

        // A stage is redrawn at once, and the bar gives way to it.
        let redrawn3 = progress.apply(.stage("build and publish"))
        #expect(redrawn3)
        #expect(progress.line(start.addingTimeInterval(12), bar: false).hasSuffix("· build and publish… · 12 s"))
        // A new build step is redrawn at once; more of the same step waits for the next tick.
        let redrawn4 = progress.apply(
            .build(StepProgress(step: "embed", done: 0, total: 100, unit: "titles")),
            at: start
        )
        #expect(redrawn4)
        let redrawn5 = progress.apply(
            .build(StepProgress(step: "embed", done: 50, total: 100, unit: "titles")),
            at: start
        )
        #expect(!redrawn5)
        #expect(progress.line(start.addingTimeInterval(20), bar: false).contains("· build: embed 50% 50/100 titles"))
    }
}
