import Foundation
import MediaModel
import Snapshots
import TestSupport
import Testing

@testable import Search

/// Unit vectors in a few tight clusters, from a fixed seed: realistic enough for graph search
/// (neighbours exist) and the same on every run.
func clusteredVectors(count: Int, dimension: Int = 24, clusters: Int = 40, seed: UInt64 = 1) -> [[Float]] {
    var generator = SplitMix64(seed: seed)
    func random() -> Float { Float(generator.next() >> 40) / Float(1 << 24) * 2 - 1 }
    let centres = (0..<clusters).map { _ in (0..<dimension).map { _ in random() } }
    return (0..<count).map { index in
        let vector = centres[index % clusters].map { $0 + 0.35 * random() }
        let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return vector.map { $0 / length }
    }
}

func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

@Suite struct VectorSearchTests {
    static func snapshot(count: Int, graphThreshold: Int) throws -> (Snapshot, [[Float]], [CanonicalTitle]) {
        let vectors = clusteredVectors(count: count)
        let titles = (0..<count).map { index in
            makeTitle(
                String(format: "mg%05d", index),
                "Title \(index)",
                year: 1950 + index % 70,
                genres: index % 3 == 0 ? [.drama] : [.comedy]
            )
        }
        let embedded = EmbeddedVectors(
            modelID: "test-model",
            dimension: vectors[0].count,
            byTitleID: Dictionary(uniqueKeysWithValues: zip(titles.map(\.id), vectors))
        )
        let path = try writeSnapshot(
            titles,
            vectors: embedded,
            writer: SnapshotWriter(graphThreshold: graphThreshold)
        )
        return (try Snapshot(path: path), vectors, titles)
    }

    @Test func graphSearchFindsWhatExactSearchFinds() throws {
        let (snapshot, vectors, _) = try Self.snapshot(count: 3000, graphThreshold: 1000)
        #expect(snapshot.metadata.embedding?.graph?.kind == "hnsw")
        let search = try #require(VectorSearch(snapshot: snapshot))
        #expect(search.graph != nil)
        var found = 0
        var wanted = 0
        for probe in stride(from: 7, to: 3000, by: 61) {
            let query = vectors[probe]
            let exact = Set(
                search.exact(QuantizedVectors.Query(query), k: 10, filter: nil, excluding: nil).map(\.doc)
            )
            let graph = Set(search.nearest(to: query, k: 10).map(\.doc))
            found += exact.intersection(graph).count
            wanted += 10
        }
        let recall = Double(found) / Double(wanted)
        #expect(recall >= 0.95, "graph recall@10 \(recall)")
    }

    @Test func exactSearchRanksByCosineDespiteQuantization() throws {
        let (snapshot, vectors, _) = try Self.snapshot(count: 500, graphThreshold: 100_000)
        #expect(snapshot.metadata.embedding?.graph == nil)
        let search = try #require(VectorSearch(snapshot: snapshot))
        for probe in [0, 17, 333] {
            let hits = search.nearest(to: vectors[probe], k: 5)
            #expect(hits.first?.doc == UInt32(probe))
            #expect(abs(hits[0].similarity - 1) < 0.02)
            // The runner-up in int8 is as close as the true float runner-up, give or take rounding.
            let runnerUp = vectors.indices.filter { $0 != probe }.map { cosine(vectors[$0], vectors[probe]) }.max()!
            #expect(cosine(vectors[Int(hits[1].doc)], vectors[probe]) >= runnerUp - 0.02)
            #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.similarity >= $1.similarity })
        }
    }

    @Test(arguments: [100_000, 1000])
    func filtersAndExclusionApplyToVectorResults(graphThreshold: Int) throws {
        let (snapshot, vectors, titles) = try Self.snapshot(count: 3000, graphThreshold: graphThreshold)
        let engine = SearchEngine(snapshot: snapshot)
        var query = SearchQuery(text: "", limit: 20)
        query.filters.genres = [.drama]
        query.filters.yearFrom = 1990
        let results = try #require(try engine.similar(to: 5, query))
        #expect(results.hits.count == 20)
        #expect(!results.hits.contains { $0.document == 5 })
        for hit in results.hits {
            let title = titles[Int(hit.document)]
            #expect(title.genres == [.drama] && title.year! >= 1990)
        }
        // The nearest allowed document really is the best allowed one.
        let allowed = titles.indices.filter { $0 != 5 && titles[$0].genres == [.drama] && titles[$0].year! >= 1990 }
        let best = allowed.max { cosine(vectors[$0], vectors[5]) < cosine(vectors[$1], vectors[5]) }!
        #expect(cosine(vectors[Int(results.hits[0].document)], vectors[5]) >= cosine(vectors[best], vectors[5]) - 0.02)
    }

    @Test func hybridRanksAgreementFirstAndSemanticFindsWordlessMatches() throws {
        let titles = [
            makeTitle("mg1", "Ocean Quest", overview: "fish"),
            makeTitle("mg2", "Deep Water", overview: "fish"),
            makeTitle("mg3", "Mountain Climb"),
        ]
        // A 3-d space: mg2 and mg3 point where the query points, mg1 does not.
        let vectors: [String: [Float]] = ["mg1": [1, 0, 0], "mg2": [0, 1, 0], "mg3": [0, 0.8, 0.6]]
        let path = try writeSnapshot(
            titles,
            vectors: EmbeddedVectors(modelID: "m", dimension: 3, byTitleID: vectors)
        )
        let engine = SearchEngine(snapshot: try Snapshot(path: path))
        var query = SearchQuery(text: "fish")
        query.vector = [0, 1, 0]
        let hybrid = try engine.search(query)
        #expect(hybrid.mode == .hybrid)
        #expect(hybrid.hits.map(\.id) == ["mg2", "mg1", "mg3"])
        query.mode = .semantic
        let semantic = try engine.search(query)
        #expect(semantic.hits.map(\.id) == ["mg2", "mg3"])  // mg1 is below the similarity floor
        query.mode = .lexical
        #expect(try engine.search(query).hits.map(\.id).sorted() == ["mg1", "mg2"])
        query.mode = .hybrid
        query.vector = nil
        #expect(try engine.search(query).mode == .lexical)
    }
}

@Suite struct VectorGraphIntegrityTests {
    @Test func aGraphWithAnOutOfRangeNeighbourIsCaught() throws {
        let count = 600
        let vectors = clusteredVectors(count: count)
        let titles = (0..<count).map { makeTitle(String(format: "mg%05d", $0), "Title \($0)") }
        let path = try writeSnapshot(
            titles,
            vectors: EmbeddedVectors(
                modelID: "m",
                dimension: vectors[0].count,
                byTitleID: Dictionary(uniqueKeysWithValues: zip(titles.map(\.id), vectors))
            ),
            writer: SnapshotWriter(graphThreshold: 100)
        )
        let snapshot = try Snapshot(path: path)
        try snapshot.verify()
        #expect(snapshot.vectorGraph?.isWellFormed == true)
        let section = try #require(snapshot.sections.first { $0.name == "vec.graph" })
        // Point node 0's first layer-0 neighbour past the end: the checksum catches the damage,
        // and the structural check (which guards against a writer bug) does too.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let levelsEnd = 16 + count
        let firstNeighbour = section.offset + (levelsEnd + 3) / 4 * 4 + 4
        withUnsafeBytes(of: UInt32(count + 5).littleEndian) {
            bytes.replaceSubrange(firstNeighbour..<(firstNeighbour + 4), with: $0)
        }
        try bytes.write(to: URL(fileURLWithPath: path))
        let damaged = try Snapshot(path: path)
        #expect(damaged.check().badSections == ["vec.graph"])
        #expect(damaged.vectorGraph?.isWellFormed == false)
    }
}
