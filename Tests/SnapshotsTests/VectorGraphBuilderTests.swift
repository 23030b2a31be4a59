import Foundation
import MediaModel
import Testing

@testable import Snapshots

/// The HNSW graph built in parallel batches: the same graph on any number of threads, a sound
/// graph, and as good as the one-at-a-time build.
@Suite struct VectorGraphBuilderTests {
    /// Quantized unit vectors in tight clusters, from a fixed seed, kept alive for the builders.
    final class Vectors: @unchecked Sendable {
        let codes: UnsafeMutableBufferPointer<Int8>
        let scales: UnsafeMutableBufferPointer<Float>
        let dimension: Int

        /// With `twins`, each odd vector is the even one before it with a little noise.
        init(count: Int, dimension: Int = 24, clusters: Int = 40, twins: Bool = false) {
            self.dimension = dimension
            var generator = SplitMix64(seed: 3)
            func random() -> Float { Float(generator.next() >> 40) / Float(1 << 24) * 2 - 1 }
            let centres = (0..<clusters).map { _ in (0..<dimension).map { _ in random() } }
            codes = .allocate(capacity: count * dimension)
            scales = .allocate(capacity: count)
            var previous: [Float] = []
            for index in 0..<count {
                let vector =
                    twins && index % 2 == 1
                    ? previous.map { $0 + 0.02 * random() } : centres[index % clusters].map { $0 + 0.35 * random() }
                previous = vector
                let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let quantized = QuantizedVectors.quantize(vector.map { $0 / length })
                for (offset, code) in quantized.codes.enumerated() { codes[index * dimension + offset] = code }
                scales[index] = quantized.scale
            }
        }

        deinit {
            codes.deallocate()
            scales.deallocate()
        }

        var quantized: QuantizedVectors {
            QuantizedVectors(
                dimension: dimension,
                codes: UnsafeBufferPointer(codes),
                scales: UnsafeBufferPointer(scales)
            )
        }
    }

    static func built(_ vectors: Vectors, threads: Int, maximumBatch: Int = 256) -> VectorGraphBuilder {
        let builder = VectorGraphBuilder(vectors: vectors.quantized, threads: threads, maximumBatch: maximumBatch)
        builder.build()
        return builder
    }

    @Test func theGraphIsTheSameOnAnyNumberOfThreads() {
        let vectors = Vectors(count: 3000)
        let one = Self.built(vectors, threads: 1).encode()
        #expect(Self.built(vectors, threads: 2).encode() == one)
        #expect(Self.built(vectors, threads: 3).encode() == one)
    }

    @Test func everyListIsSoundAndEveryNodeIsReachable() {
        let vectors = Vectors(count: 3000)
        let graph = Self.built(vectors, threads: 2)
        let problems = graphProblems(
            count: vectors.quantized.count,
            neighborsPerNode: graph.neighborsPerNode,
            entryPoint: graph.entryPoint,
            topLevel: graph.topLevel,
            level: { Int(graph.levels[$0]) },
            neighbors: { graph.neighbors($0, $1) }
        )
        #expect(problems.isEmpty, "\(problems.prefix(5))")
    }

    /// Nodes of one batch cannot find each other in the graph as it was before the batch: each
    /// takes the batch's other nodes as candidates. Twins inserted one after the other (in one
    /// batch but for a batch boundary) are each other's nearest neighbour, so each links to the
    /// other.
    @Test func nodesOfOneBatchLinkToEachOther() {
        let vectors = Vectors(count: 4000, twins: true)
        let graph = Self.built(vectors, threads: 2)
        var missing: [Int] = []
        for node in 0..<vectors.quantized.count where !graph.neighbors(node, 0).contains(UInt32(node ^ 1)) {
            missing.append(node)
        }
        #expect(missing.isEmpty, "\(missing.count) nodes without their twin, first \(missing.prefix(5))")
    }

    /// Recall@10 of a search of each graph against exact search, on 200 of the vectors as
    /// queries: the batched build within 0.01 of one vector at a time.
    @Test func batchedRecallMatchesTheSequentialBuild() {
        let vectors = Vectors(count: 6000)
        let quantized = vectors.quantized
        func recall(_ graph: VectorGraphBuilder) -> Double {
            var visited = VisitedSet(count: quantized.count)
            var found = 0
            let queries = Array(stride(from: 7, to: quantized.count, by: 30))
            for query in queries {
                let similarity = { (other: Int) in quantized.similarity(query, other) }
                var entry = graph.entryPoint
                for level in stride(from: graph.topLevel, to: 0, by: -1) {
                    var improved = true
                    while improved {
                        improved = false
                        for neighbor in graph.neighbors(entry, level)
                        where similarity(Int(neighbor)) > similarity(entry) {
                            entry = Int(neighbor)
                            improved = true
                        }
                    }
                }
                let hits = VectorGraph.searchLayer(
                    from: [(entry, similarity(entry))],
                    ef: 40,
                    visited: &visited,
                    neighbors: { graph.neighbors($0, 0) },
                    similarity: similarity
                ).prefix(10).map(\.node)
                let scored: [(node: Int, score: Float)] = (0..<quantized.count).map { ($0, similarity($0)) }
                let ranked = scored.sorted { (a, b) -> Bool in
                    a.score > b.score || (a.score == b.score && a.node < b.node)
                }
                let exact = ranked.prefix(10).map(\.node)
                found += Set(hits).intersection(exact).count
            }
            return Double(found) / Double(10 * queries.count)
        }
        let sequential = recall(Self.built(vectors, threads: 1, maximumBatch: 1))
        let batched = recall(Self.built(vectors, threads: 2))
        #expect(sequential > 0.9, "sequential recall \(sequential)")
        #expect(batched >= sequential - 0.01, "batched \(batched) against sequential \(sequential)")
    }
}
