import Foundation
import Jobs
import MediaModel
import Snapshots
import Staging
import TestSupport
import Testing

/// A build never silently makes the served snapshot worse, and a build that would serve what is
/// already served publishes nothing.
@Suite struct PublishGuardTests {
    func stage(_ lines: [String]) throws -> StagingStore {
        let store = try StagingStore(path: temporaryPath("staging.sqlite"))
        _ = try CatalogImporter(source: "a", logger: logger).importFile(try writeLines(lines), into: store)
        return store
    }

    let catalog = [line("1", "Alien", year: 1979), line("2", "Heat", year: 1995)]

    @Test func aBuildWithoutVectorsDoesNotReplaceOneWithThem() async throws {
        let store = try stage(catalog)
        let directory = SnapshotDirectory(path: temporaryPath("snapshots"))
        let embedded = try await SnapshotBuilder(embedder: RecordingEmbedder(), logger: logger)
            .build(from: store, into: directory)

        var lexical = SnapshotBuilder(logger: logger)
        lexical.withoutVectors = "no embedding model: none installed"
        lexical.publishUnchanged = true
        let error = await #expect(throws: MediaError.self) { try await lexical.build(from: store, into: directory) }
        #expect(error?.code == .refused)
        #expect(error?.message.contains("has vectors (semantic and hybrid search)") == true, "\(error!)")
        #expect(error?.message.contains("this build has none (no embedding model: none installed)") == true)
        #expect(error?.message.contains("--allow-capability-loss") == true)
        #expect(try directory.currentSnapshotPath() == embedded.path)
        #expect(directory.snapshotNames().count == 1, "a refused build writes no file")

        // Building without publishing is not a loss: nothing served changes.
        let unpublished = try await lexical.build(from: store, into: directory, makeCurrent: false)
        #expect(try directory.currentSnapshotPath() == embedded.path)

        lexical.allowCapabilityLoss = true
        let forced = try await lexical.build(from: store, into: directory)
        #expect(try directory.currentSnapshotPath() == forced.path)
        let metadata = try Snapshot(path: forced.path).metadata
        #expect(metadata.embedding == nil)
        #expect(metadata.withoutVectors == "no embedding model: none installed")
        #expect(try Snapshot(path: unpublished.path).metadata.withoutVectors == "no embedding model: none installed")
    }

    @Test func aBuildBelowTheGraphThresholdDoesNotReplaceOneWithAGraph() async throws {
        let store = try stage(catalog)
        let directory = SnapshotDirectory(path: temporaryPath("snapshots"))
        var graphed = SnapshotBuilder(embedder: RecordingEmbedder(), logger: logger)
        graphed.writer.graphThreshold = 2
        let first = try await graphed.build(from: store, into: directory)
        #expect(try Snapshot(path: first.path).metadata.capabilities == [.vectors, .graph])

        var exact = SnapshotBuilder(embedder: RecordingEmbedder(), logger: logger)
        exact.writer.graphThreshold = 3
        let error = await #expect(throws: MediaError.self) { try await exact.build(from: store, into: directory) }
        #expect(error?.message.contains("has the vector graph") == true, "\(error!)")
        #expect(error?.message.contains("2 titles are below the graph threshold of 3") == true)
    }

    @Test func aBuildThatChangesNothingPublishesNothing() async throws {
        let store = try stage(catalog)
        let directory = SnapshotDirectory(path: temporaryPath("snapshots"))
        let builder = SnapshotBuilder(embedder: RecordingEmbedder(), logger: logger)
        let first = try await builder.build(from: store, into: directory)
        #expect(!first.unchanged)

        let again = try await builder.build(from: store, into: directory)
        #expect(again.unchanged)
        #expect(again.path == first.path)
        #expect(again.embeddings == nil, "nothing was embedded for a build that writes nothing")
        #expect(directory.snapshotNames().count == 1)
        let runs = try store.runs(job: "build", limit: 1)
        #expect(runs.first?.message?.hasPrefix("unchanged: equal to the current snapshot") == true)

        // Another model is another snapshot; so is a changed record.
        let otherModel = try await SnapshotBuilder(embedder: RecordingEmbedder(modelID: "other"), logger: logger)
            .build(from: store, into: directory)
        #expect(!otherModel.unchanged)
        _ = try CatalogImporter(source: "a", logger: logger).importFile(
            try writeLines([line("1", "Alien", year: 1979), line("2", "Heat", year: 1996)]),
            into: store
        )
        let changed = try await SnapshotBuilder(embedder: RecordingEmbedder(modelID: "other"), logger: logger)
            .build(from: store, into: directory)
        #expect(!changed.unchanged)
        #expect(directory.snapshotNames().count == 3)
    }

    @Test func theContentDigestIgnoresBuildTimeAndIDButNotContent() throws {
        let writer = SnapshotWriter()
        var title = CanonicalTitle(id: "mg000000000001", kind: .movie, title: "Alien")
        let one = try writer.makeSnapshot(titles: [title], sourceCounts: [:], aliases: [:])
        let two = try writer.makeSnapshot(
            titles: [title],
            sourceCounts: [:],
            aliases: [:],
            builtAt: Date(timeIntervalSince1970: 0)
        )
        func digest(_ data: Data) throws -> String? {
            let path = temporaryPath("digest.mgws")
            try data.write(to: URL(fileURLWithPath: path))
            return try Snapshot(path: path).metadata.contentDigest
        }
        #expect(try digest(one) == digest(two))
        #expect(try digest(one) == writer.contentDigest(titles: [title], aliases: [:], embeddingModel: nil))
        title.year = 1979
        #expect(try digest(one) != writer.contentDigest(titles: [title], aliases: [:], embeddingModel: nil))
        #expect(
            try writer.contentDigest(titles: [title], aliases: [:], embeddingModel: nil)
                != writer.contentDigest(titles: [title], aliases: ["mg000000000009": title.id], embeddingModel: nil)
        )
    }

    /// The digest is of the titles in id order however they come, hashed in runs on all cores:
    /// any change to any title, in any run, changes it.
    @Test func theDigestCoversEveryTitleInIdOrder() throws {
        let writer = SnapshotWriter()
        var titles = (0..<3000).map { CanonicalTitle(id: String(format: "mg%012d", $0), kind: .movie, title: "T\($0)") }
        let digest = try writer.contentDigest(titles: titles, aliases: [:], embeddingModel: nil)
        #expect(try writer.contentDigest(titles: titles.reversed(), aliases: [:], embeddingModel: nil) == digest)
        titles[2500].cast = ["Someone"]
        #expect(try writer.contentDigest(titles: titles, aliases: [:], embeddingModel: nil) != digest)
        titles[2500].cast = []
        titles.removeLast()
        #expect(try writer.contentDigest(titles: titles, aliases: [:], embeddingModel: nil) != digest)
    }
}
