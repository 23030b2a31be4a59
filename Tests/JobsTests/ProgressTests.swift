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
}
