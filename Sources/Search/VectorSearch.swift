import Foundation
import Snapshots
import Synchronization

/// Nearest-neighbour search over a snapshot's int8 vectors: exact (a scan of every allowed
/// document) for small catalogs and selective filters, HNSW graph search otherwise.
public struct VectorSearch: Sendable {
    public let vectors: QuantizedVectors
    public let graph: VectorGraph?
    /// The model the vectors came from; query vectors must come from it too.
    public let modelID: String
    /// Beam width of graph searches (raised for filtered searches and deep pages).
    public var efSearch = 200
    private let visitedSets: VisitedSetPool

    public init?(snapshot: Snapshot) {
        guard let vectors = snapshot.vectors, let embedding = snapshot.metadata.embedding else { return nil }
        self.vectors = vectors
        self.graph = snapshot.vectorGraph
        self.modelID = embedding.model
        visitedSets = VisitedSetPool(count: vectors.count)
    }

    /// The `k` documents most similar to `query`, best first, among `filter` (all when nil),
    /// leaving out `excluded`.
    public func nearest(
        to query: [Float],
        k: Int,
        filter: DocumentSet? = nil,
        excluding excluded: UInt32? = nil
    ) -> [(doc: UInt32, similarity: Float)] {
        guard k > 0, query.count == vectors.dimension else { return [] }
        let quantized = QuantizedVectors.Query(query)
        let allowed = filter?.count ?? vectors.count
        // A selective filter leaves few documents: scanning them beats walking a graph whose
        // neighbourhoods are mostly filtered out.
        if let graph, allowed > max(4 * efSearch, vectors.count / 20) {
            let widened = min(4096, max(efSearch, 2 * k) * max(1, vectors.count / max(allowed, 1)))
            var visited = visitedSets.take()
            defer { visitedSets.give(visited) }
            let found = quantized.codes.withUnsafeBufferPointer { codes in
                graph.search(ef: widened, visited: &visited) {
                    vectors.similarity(codes.baseAddress!, scale: quantized.scale, to: $0)
                }
            }
            var hits: [(doc: UInt32, similarity: Float)] = []
            for candidate in found where hits.count < k {
                let doc = UInt32(candidate.node)
                if doc == excluded || filter?.contains(doc) == false { continue }
                hits.append((doc, candidate.similarity))
            }
            if hits.count == min(k, allowed - (excluded == nil ? 0 : 1)) { return hits }
        }
        return exact(quantized, k: k, filter: filter, excluding: excluded)
    }

    /// The exact `k` nearest documents by a scan of every vector (what graph search approximates).
    public func exactNearest(to query: [Float], k: Int) -> [(doc: UInt32, similarity: Float)] {
        guard k > 0, query.count == vectors.dimension else { return [] }
        return exact(QuantizedVectors.Query(query), k: k, filter: nil, excluding: nil)
    }

    /// The similarity of each of `documents` to `query`.
    public func similarities(to query: [Float], documents: [UInt32]) -> [Float] {
        guard query.count == vectors.dimension else { return documents.map { _ in 0 } }
        let quantized = QuantizedVectors.Query(query)
        return quantized.codes.withUnsafeBufferPointer { codes in
            documents.map { vectors.similarity(codes.baseAddress!, scale: quantized.scale, to: Int($0)) }
        }
    }

    /// Scans every allowed document.
    func exact(
        _ query: QuantizedVectors.Query,
        k: Int,
        filter: DocumentSet?,
        excluding excluded: UInt32?
    ) -> [(doc: UInt32, similarity: Float)] {
        var heap = ScoredHeap(bestFirst: false)
        query.codes.withUnsafeBufferPointer { codes in
            let consider = { (doc: UInt32) in
                if doc == excluded { return }
                let score = vectors.similarity(codes.baseAddress!, scale: query.scale, to: Int(doc))
                if heap.count < k {
                    heap.push(Int(doc), score)
                } else if score > heap.top!.similarity {
                    _ = heap.pop()
                    heap.push(Int(doc), score)
                }
            }
            if let filter {
                filter.forEach(consider)
            } else {
                for doc in 0..<UInt32(vectors.count) { consider(doc) }
            }
        }
        return heap.drainSortedBestFirst().map { (UInt32($0.node), $0.similarity) }
    }
}

/// Reuses visited-node sets between searches (each is as large as the catalog).
final class VisitedSetPool: Sendable {
    private let count: Int
    private let free = Mutex<[VisitedSet]>([])

    init(count: Int) { self.count = count }

    func take() -> VisitedSet {
        free.withLock { $0.popLast() } ?? VisitedSet(count: count)
    }

    func give(_ set: VisitedSet) {
        free.withLock { if $0.count < 8 { $0.append(set) } }
    }
}
