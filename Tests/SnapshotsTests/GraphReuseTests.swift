import Foundation
import MediaModel
import TestSupport
import Testing

@testable import Snapshots

/// A graph built from the previous snapshot's: unchanged titles keep their links, the rest are
/// inserted, lists that lost a neighbour are repaired; the result is as sound and as good as a
/// fresh build.
@Suite struct GraphReuseTests {
    static let writer: SnapshotWriter = {
        var writer = SnapshotWriter(graphThreshold: 0)
        writer.graphEfConstruction = 60
        return writer
    }()

    /// Unit vectors in clusters, one per key, from `seed`.
    static func vectors(_ keys: [String], seed: UInt64, dimension: Int = 24) -> [String: [Float]] {
        var generator = SplitMix64(seed: seed)
        func random() -> Float { Float(generator.next() >> 40) / Float(1 << 24) * 2 - 1 }
        var centres = SplitMix64(seed: 11)
        let clusters = (0..<40).map { _ in
            (0..<dimension).map { _ in Float(centres.next() >> 40) / Float(1 << 24) * 2 - 1 }
        }
        var result: [String: [Float]] = [:]
        for key in keys {
            let vector = clusters[Int(generator.next() % 40)].map { $0 + 0.35 * random() }
            let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            result[key] = vector.map { $0 / length }
        }
        return result
    }

    static func snapshot(
        _ vectors: [String: [Float]],
        model: String = "m",
        previous: Snapshot? = nil
    ) throws -> Snapshot {
        let titles = vectors.keys.map { makeTitle($0, "Film \($0)") }
        let embedded = EmbeddedVectors(modelID: model, dimension: 24, byTitleID: vectors)
        return try Snapshot(path: try writeSnapshot(titles, vectors: embedded, writer: writer, previous: previous))
    }

    /// The old catalog, and the next one: 1 % of titles gone, 1 % with a new vector, 2 % new
    /// (with ids between the old ones).
    static func catalogs() -> (old: [String: [Float]], new: [String: [Float]], kept: Int) {
        let keys = (0..<3000).map { String(format: "mg%05d", $0) }
        let old = vectors(keys, seed: 1)
        var new = old
        for index in stride(from: 0, to: 3000, by: 100) { new[keys[index]] = nil }
        let changedKeys = stride(from: 51, to: 3000, by: 97).map { keys[$0] }
        for (key, vector) in vectors(changedKeys, seed: 2) { new[key] = vector }
        for (key, vector) in vectors((0..<60).map { String(format: "mg%05db", $0 * 50) }, seed: 3) {
            new[key] = vector
        }
        return (old, new, old.keys.filter { new[$0] == old[$0] }.count)
    }

    /// Recall@10 of graph search (ef 40) against exact search, every 20th vector as a query.
    static func recall(_ snapshot: Snapshot) throws -> Double {
        let graph = try #require(snapshot.vectorGraph)
        let vectors = try #require(snapshot.vectors)
        var visited = VisitedSet(count: vectors.count)
        var found = 0
        let queries = Array(stride(from: 3, to: vectors.count, by: 20))
        for query in queries {
            let similarity = { (other: Int) in vectors.similarity(query, other) }
            let hits = graph.search(ef: 40, visited: &visited, similarity: similarity).prefix(10).map(\.node)
            let scored: [(node: Int, score: Float)] = (0..<vectors.count).map { ($0, similarity($0)) }
            let ranked = scored.sorted { (a, b) -> Bool in a.score > b.score || (a.score == b.score && a.node < b.node)
            }
            let exact = ranked.prefix(10).map(\.node)
            found += Set(hits).intersection(exact).count
        }
        return Double(found) / Double(10 * queries.count)
    }

    @Test func unchangedTitlesKeepTheirLinksAndTheGraphIsSoundAndAsGood() throws {
        let (old, new, kept) = Self.catalogs()
        let previous = try Self.snapshot(old)
        let reused = try Self.snapshot(new, previous: previous)
        let fresh = try Self.snapshot(new)
        let graph = try #require(reused.metadata.embedding?.graph)
        #expect(graph.reusedNodes == kept)
        #expect(graph.reusedFrom == previous.metadata.buildID)
        #expect(fresh.metadata.embedding?.graph?.reusedNodes == nil)
        let reusedGraph = try #require(reused.vectorGraph)
        let problems = graphProblems(
            count: reusedGraph.levels.count,
            neighborsPerNode: reusedGraph.neighborsPerNode,
            entryPoint: reusedGraph.entryPoint,
            topLevel: reusedGraph.topLevel,
            level: { Int(reusedGraph.levels[$0]) },
            neighbors: { reusedGraph.neighbors(of: $0, level: $1) }
        )
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        let (reusedRecall, freshRecall) = (try Self.recall(reused), try Self.recall(fresh))
        #expect(freshRecall > 0.9, "fresh recall \(freshRecall)")
        let previousRecall = try Self.recall(previous)
        #expect(
            reusedRecall >= freshRecall - 0.01,
            "reused \(reusedRecall) against fresh \(freshRecall), previous \(previousRecall)"
        )
        try reused.verify()
    }

    /// A kept node keeps the links the previous build chose (renumbered), where none of them
    /// went: most such nodes still have all of them (the others gave a slot to a new node's
    /// reverse link), where a fresh build of the same vectors chooses other links for most.
    @Test func keptNodesKeepTheirOldLinks() throws {
        let (old, new, _) = Self.catalogs()
        let previous = try Self.snapshot(old)
        func keptShare(_ next: Snapshot) throws -> Double {
            let (oldGraph, newGraph) = (try #require(previous.vectorGraph), try #require(next.vectorGraph))
            var intact = 0
            var keptAll = 0
            for oldNode in 0..<previous.documentCount {
                let id = previous.id(ofDocument: UInt32(oldNode))
                let links = Set(oldGraph.neighbors(of: oldNode, level: 0).map { previous.id(ofDocument: $0) })
                guard new[id] == old[id], links.allSatisfy({ new[$0] == old[$0] }),
                    let node = next.document(forID: id)
                else { continue }
                intact += 1
                let now = Set(newGraph.neighbors(of: Int(node), level: 0).map { next.id(ofDocument: $0) })
                if links.isSubset(of: now) { keptAll += 1 }
            }
            return Double(keptAll) / Double(max(intact, 1))
        }
        let reused = try keptShare(try Self.snapshot(new, previous: previous))
        let fresh = try keptShare(try Self.snapshot(new))
        #expect(reused >= 0.8, "reused \(reused), fresh \(fresh)")
        #expect(fresh < 0.6, "reused \(reused), fresh \(fresh)")
    }

    /// The build beam grows with the catalog: at a million titles 100 left recall at 0.874.
    @Test func theBuildBeamGrowsWithTheCatalog() {
        let writer = SnapshotWriter()
        #expect(writer.efConstruction(titles: 100_000) == 100)
        #expect(writer.efConstruction(titles: 1_000_000) == 200)
        var fixed = writer
        fixed.graphEfConstruction = 60
        #expect(fixed.efConstruction(titles: 1_000_000) == 60)
    }

    /// Another model's vectors, or too few unchanged titles, and the graph is built afresh.
    @Test func anotherModelOrMostlyNewVectorsBuildAfresh() throws {
        let (old, new, _) = Self.catalogs()
        let previous = try Self.snapshot(old)
        #expect(
            try Self.snapshot(new, model: "other", previous: previous).metadata.embedding?.graph?.reusedNodes == nil
        )
        let mostlyNew = Self.vectors(Array(new.keys), seed: 9)
        #expect(try Self.snapshot(mostlyNew, previous: previous).metadata.embedding?.graph?.reusedNodes == nil)
    }
}
