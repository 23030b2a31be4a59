import Embeddings
import Foundation
import Jobs
import MediaModel
import Snapshots
import Staging
import Synchronization
import Testing

/// A deterministic stand-in for the model that records every text it is asked to embed, so the
/// tests can see exactly what the cache let through.
final class RecordingEmbedder: Embedder, Sendable {
    let modelID: String
    let dimension = 8
    private let seen = Mutex<[String]>([])

    init(modelID: String = "recording") { self.modelID = modelID }

    var embeddedTexts: [String] { seen.withLock { $0 } }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        seen.withLock { $0 += texts }
        return texts.map { text in
            var vector = [Float](repeating: 0, count: dimension)
            for (index, byte) in text.utf8.enumerated() { vector[index % dimension] += Float(byte % 17) - 8 }
            let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return vector.map { $0 / max(length, 1e-6) }
        }
    }
}

@Suite struct EmbeddingBuildTests {
    func stage(_ lines: [String], source: String = "a") throws -> StagingStore {
        let store = try StagingStore(path: temporaryPath("staging.sqlite"))
        _ = try CatalogImporter(source: source, logger: logger).importFile(try writeLines(lines), into: store)
        return store
    }

    @Test func secondBuildOverUnchangedDataComputesNoEmbeddings() async throws {
        let store = try stage([line("1", "Alien", year: 1979), line("2", "Heat", year: 1995)])
        let embedder = RecordingEmbedder()
        let builder = SnapshotBuilder(embedder: embedder, logger: logger)
        let directory = SnapshotDirectory(path: temporaryPath("snapshots"))
        let first = try await builder.build(from: store, into: directory)
        #expect(first.embeddings?.titles == 2)
        #expect(first.embeddings?.computed == 2)
        #expect(first.embeddings?.cached == 0)
        let second = try await builder.build(from: store, into: directory)
        #expect(second.embeddings?.computed == 0)
        #expect(second.embeddings?.cached == 2)
        #expect(embedder.embeddedTexts.count == 2)
        let snapshot = try Snapshot(path: second.path)
        #expect(snapshot.metadata.embedding?.model == "recording")
        #expect(snapshot.metadata.embedding?.count == 2)
    }

    @Test func onlyTitlesWhoseTextChangedAreReembedded() async throws {
        let store = try stage([line("1", "Alien", year: 1979), line("2", "Heat", year: 1995)])
        let embedder = RecordingEmbedder()
        let builder = SnapshotBuilder(embedder: embedder, logger: logger)
        let directory = SnapshotDirectory(path: temporaryPath("snapshots"))
        _ = try await builder.build(from: store, into: directory)
        _ = try CatalogImporter(source: "a", logger: logger).importFile(
            try writeLines([
                line("1", "Alien", year: 1979), line("2", "Heat", year: 1995, extra: #","overview":"A heist.""#),
            ]),
            into: store
        )
        let summary = try await builder.build(from: store, into: directory)
        #expect(summary.embeddings?.computed == 1)
        #expect(embedder.embeddedTexts.last?.contains("A heist.") == true)
    }

    @Test func anotherModelDoesNotReuseTheCache() async throws {
        let store = try stage([line("1", "Alien", year: 1979)])
        let directory = SnapshotDirectory(path: temporaryPath("snapshots"))
        _ = try await SnapshotBuilder(embedder: RecordingEmbedder(modelID: "one"), logger: logger).build(
            from: store,
            into: directory
        )
        let other = RecordingEmbedder(modelID: "two")
        let summary = try await SnapshotBuilder(embedder: other, logger: logger).build(from: store, into: directory)
        #expect(summary.embeddings?.computed == 1)
        #expect(try store.embeddingCacheCounts() == ["one": 1, "two": 1])
    }

    @Test func documentTextLeadsWithTheOverviewAndFallsBackToPeople() {
        var title = CanonicalTitle(id: "mg1", kind: .movie, title: "Finding Nemo")
        title.year = 2003
        title.genres = [.animation, .family, .adventure, .comedy]
        title.overview = "A clownfish crosses the ocean to find his son."
        title.directors = ["Andrew Stanton"]
        title.cast = ["Albert Brooks", "Ellen DeGeneres", "Alexander Gould", "Willem Dafoe"]
        #expect(
            EmbeddingText.document(for: title)
                == "Finding Nemo: A clownfish crosses the ocean to find his son. (2003 film; animation, family, adventure)"
        )
        title.overview = nil
        #expect(
            EmbeddingText.document(for: title)
                == "Finding Nemo: 2003 animation, family, adventure film directed by Andrew Stanton, starring Albert "
                + "Brooks, Ellen DeGeneres, Alexander Gould."
        )
        #expect(EmbeddingText.document(for: CanonicalTitle(id: "mg2", kind: .series, title: "Dark")) == "Dark: series.")
    }
}
