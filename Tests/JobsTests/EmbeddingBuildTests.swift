import Embeddings
import Foundation
import Jobs
import Logging
import Resolution
import TestSupport
import MediaModel
import Snapshots
import Staging
import Testing

@Suite struct EmbeddingBuildTests {
    func stage(_ lines: [String], source: String = "a") throws -> StagingStore {
        let store = try StagingStore(path: temporaryPath("staging.sqlite"))
        _ = try CatalogImporter(source: source, logger: logger).importFile(try writeLines(lines), into: store)
        return store
    }

    @Test func secondBuildOverUnchangedDataComputesNoEmbeddings() async throws {
        let store = try stage([line("1", "Alien", year: 1979), line("2", "Heat", year: 1995)])
        let embedder = RecordingEmbedder()
        var builder = SnapshotBuilder(embedder: embedder, logger: logger)
        builder.publishUnchanged = true
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

    /// The next build starts its vector graph from the current snapshot's: the titles whose
    /// vector did not change keep their nodes (decision 0026).
    @Test func theNextBuildStartsItsGraphFromTheCurrentSnapshots() async throws {
        let store = try stage([
            line("1", "Alien", year: 1979), line("2", "Heat", year: 1995), line("3", "Ronin", year: 1998),
        ])
        var builder = SnapshotBuilder(embedder: RecordingEmbedder(), logger: logger)
        builder.writer.graphThreshold = 0
        let directory = SnapshotDirectory(path: temporaryPath("snapshots"))
        let first = try Snapshot(path: try await builder.build(from: store, into: directory).path)
        #expect(first.metadata.embedding?.graph?.reusedNodes == nil)
        _ = try CatalogImporter(source: "a", logger: logger).importFile(
            try writeLines([line("2", "Heat", year: 1995, extra: #","overview":"A heist.""#)]),
            into: store
        )
        let second = try Snapshot(path: try await builder.build(from: store, into: directory).path)
        #expect(second.metadata.embedding?.graph?.reusedNodes == 2)
        #expect(second.metadata.embedding?.graph?.reusedFrom == first.metadata.buildID)
        try second.verify()
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

struct IncrementalResolutionTests {
    @Test func aBuildMatchesOnlyWhatChanged() async throws {
        let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
        let directory = SnapshotDirectory(path: temporaryDirectory())
        func stage(_ records: [SourceRecord]) throws {
            let run = try store.beginRun(job: "t", kind: "import")
            _ = try store.commit(
                StagedPage(
                    source: records[0].source,
                    raw: Data(UUID().uuidString.utf8),
                    rawLocation: "test",
                    contentType: "text/plain",
                    items: records.map { .init(record: $0, location: "test") },
                    rejections: []
                ),
                runID: run
            )
        }
        func film(_ source: String, _ id: String, _ title: String) -> SourceRecord {
            var record = SourceRecord(source: source, id: id, kind: .movie, title: title)
            record.year = 1979
            return record
        }
        try stage([film("a", "1", "Alien"), film("a", "2", "Heat")])
        try stage([film("b", "1", "ALIEN")])
        let builder = SnapshotBuilder(logger: Logger(label: "test"))
        let first = try await builder.build(from: store, into: directory)
        #expect(first.resolution == "matched")
        #expect(first.titles == 2)
        let second = try await builder.build(from: store, into: directory)
        #expect(second.resolution == "reused")
        #expect(second.titles == 2)
        // Same titles, same ids.
        let reopened = try Snapshot(path: second.path)
        var ids: [String] = []
        try reopened.forEachTitle { _, title in ids.append(title.id) }
        #expect(Set(ids) == Set(try store.identityMap().assignments.values))
        // A changed record is matched again with its neighbours only; other settings match all.
        try stage([film("b", "2", "Heat")])
        let changed = try await builder.build(from: store, into: directory)
        #expect(changed.resolution == "incremental: 2 of 4 records matched again", "\(changed.resolution)")
        #expect(changed.titles == 2)
        #expect(try await builder.build(from: store, into: directory).resolution == "reused")
        var strict = ScoringResolver()
        strict.settings.mergeThreshold = 0.95
        let other = SnapshotBuilder(resolver: strict, logger: Logger(label: "test"))
        #expect(try await other.build(from: store, into: directory).resolution == "matched")
    }
}
