import Crypto
import Foundation
import MediaModel

/// Where computed embeddings are kept between builds, by model and SHA-256 of the text. The
/// stage owns no state: `Jobs` hands it the one kept in staging.
public protocol EmbeddingCache: Sendable {
    /// The cached vectors of those `textHashes` that `model` has embedded before.
    func cachedEmbeddings(model: String, textHashes: [Data]) throws -> [Data: [Float]]
    func storeEmbeddings(model: String, _ vectors: [(textHash: Data, vector: [Float])]) throws
}

/// Embeds canonical titles through a cache: a title whose text (``EmbeddingText``) was embedded
/// before by the same model is read from the cache, only new or changed texts are computed, and
/// each computed batch is stored at once.
public struct CatalogEmbedder: Sendable {
    /// What one pass did.
    public struct Report: Sendable, Codable, Equatable {
        public var titles = 0
        public var cached = 0
        public var computed = 0
        public var seconds = 0.0
    }

    public let embedder: any Embedder
    /// Texts embedded (and stored) per batch.
    public var batchSize = 512

    public init(embedder: any Embedder) {
        self.embedder = embedder
    }

    /// Vectors for every title, keyed by title id.
    public func embed(
        _ titles: [CanonicalTitle],
        cache: any EmbeddingCache,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> (vectors: [String: [Float]], report: Report) {
        let started = Date()
        let texts = titles.map { EmbeddingText.document(for: $0) }
        let hashes = texts.map { Data(SHA256.hash(data: Data($0.utf8))) }
        let cached = try cache.cachedEmbeddings(model: embedder.modelID, textHashes: Array(Set(hashes)))
        var report = Report(titles: titles.count)
        var byHash = cached.filter { $0.value.count == embedder.dimension }
        // Identical texts (rare, but duplicates happen) are embedded once.
        var pending: [(hash: Data, text: String)] = []
        var queued = Set<Data>()
        for (hash, text) in zip(hashes, texts) where byHash[hash] == nil && queued.insert(hash).inserted {
            pending.append((hash, text))
        }
        for start in stride(from: 0, to: pending.count, by: batchSize) {
            let batch = pending[start..<min(start + batchSize, pending.count)]
            let vectors = try await embedder.embed(batch.map(\.text))
            guard vectors.count == batch.count, vectors.allSatisfy({ $0.count == embedder.dimension }) else {
                throw MediaError(
                    .internalFailure,
                    "embedder \(embedder.modelID) returned vectors of the wrong number or size"
                )
            }
            try cache.storeEmbeddings(model: embedder.modelID, Array(zip(batch.map(\.hash), vectors)))
            for (item, vector) in zip(batch, vectors) { byHash[item.hash] = vector }
            report.computed += batch.count
            progress?(report.computed, pending.count)
        }
        var vectors: [String: [Float]] = [:]
        vectors.reserveCapacity(titles.count)
        for (title, hash) in zip(titles, hashes) { vectors[title.id] = byHash[hash] }
        report.cached = titles.count - report.computed
        report.seconds = Date().timeIntervalSince(started)
        return (vectors, report)
    }
}
