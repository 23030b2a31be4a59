import Compression
import Crypto
import Foundation
import MediaModel

/// Serializes canonical titles into the bytes of one snapshot file.
public struct SnapshotWriter: Sendable {
    /// The version string recorded as `writer` in the metadata.
    public var writerVersion: String
    /// zstd level of the title blocks.
    public var compressionLevel: Int32
    /// Catalogs with at least this many titles get an HNSW graph for approximate vector search;
    /// below it exact search over the int8 vectors is fast enough (docs/benchmarks.md).
    public var graphThreshold: Int
    /// HNSW links per node on the upper levels (twice as many on layer 0).
    public var graphNeighbors = 16
    /// HNSW beam width while building; nil chooses by catalog size (``efConstruction(titles:)``).
    public var graphEfConstruction: Int?
    /// A graph is built from the previous snapshot's (``makeSnapshot(previous:)``) when at
    /// least this share of its nodes can be kept; below it a fresh build is as quick and better.
    public var graphReuseShare = 0.5

    /// The build beam for a catalog of `titles`: 100 below 250,000 titles, 200 from there. At
    /// 100,000 titles 100 and 200 give the same recall@10 (0.998) and 200 costs a third more;
    /// at a million, 100 reaches 0.874 at the query beam of 200 and 200 reaches 0.963
    /// (docs/benchmarks.md, "The graph at a million titles").
    public func efConstruction(titles: Int) -> Int {
        graphEfConstruction ?? (titles >= 250_000 ? 200 : 100)
    }

    public init(writerVersion: String = "mediagw", compressionLevel: Int32 = 3, graphThreshold: Int = 20_000) {
        self.writerVersion = writerVersion
        self.compressionLevel = compressionLevel
        self.graphThreshold = graphThreshold
    }

    /// The ``SnapshotMetadata/contentDigest`` of a snapshot of `titles` with `aliases`, embedded by
    /// `embeddingModel` (nil: no vectors). Computed before embedding, so that a build can tell
    /// it would serve exactly what the current snapshot serves without doing the work.
    public func contentDigest(
        titles unsorted: [CanonicalTitle],
        aliases: [String: String],
        embeddingModel: String?
    ) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var hash = SHA256()
        let settings = [
            "format \(SnapshotFormat.version)", "writer \(writerVersion)",
            "model \(embeddingModel ?? "none")",
            "graph \(graphThreshold) \(graphNeighbors) \(efConstruction(titles: unsorted.count))",
        ]
        hash.update(data: try encoder.encode(settings))
        hash.update(data: try encoder.encode(aliases))
        // Titles in id order, as their JSON, hashed a fixed run of 1,024 at a time on all cores
        // (the same digest on any number of them); the runs' digests go into the whole one.
        let titles = unsorted.sorted(by: { $0.id < $1.id })
        let runs = Array(stride(from: 0, to: titles.count, by: 1024))
        let digests = runs.parallelMap { start in
            var run = SHA256()
            for title in titles[start..<min(start + 1024, titles.count)] {
                var writer = JSONWriter()
                writer.write(title)
                writer.bytes.withUnsafeBytes { run.update(bufferPointer: $0) }
            }
            return Data(run.finalize())
        }
        for digest in digests { hash.update(data: digest) }
        return Hex.encode(hash.finalize())
    }

    /// Builds the snapshot bytes. `titles` need not be sorted; documents are numbered in id order.
    /// `withoutVectors` says why there are no `vectors`, for `snapshot info`; `contentDigest`,
    /// when the caller has computed it already (``contentDigest(titles:aliases:embeddingModel:)``),
    /// is recorded as it is instead of being computed again. `previous`, the snapshot this one
    /// follows, lends its vector graph: titles whose vector did not change keep their links, and
    /// only the rest are searched for and linked (decision 0026).
    public func makeSnapshot(
        titles unsorted: [CanonicalTitle],
        sourceCounts: [String: Int],
        aliases: [String: String],
        vectors: EmbeddedVectors? = nil,
        withoutVectors: String? = nil,
        buildID: UUID = UUID(),
        builtAt: Date = Date(),
        contentDigest knownDigest: String? = nil,
        previous: Snapshot? = nil,
        progress: ProgressHandler? = nil
    ) throws -> Data {
        let titles = unsorted.sorted { $0.id < $1.id }
        var sections: [(SnapshotFormat.Section, [UInt8])] = []

        let (blocks, blockIndex) = try encodeTitleBlocks(titles)
        let lexicon = LexiconBuilder(titles: titles)
        let (terms, restarts, postings) = lexicon.encode()
        let (facets, facetPostings) = FacetBuilder(titles: titles).encode()
        let vectorSections = try vectors.map {
            try encodeVectors($0, titles: titles, previous: previous, progress: progress)
        }

        var metadata = SnapshotMetadata(
            formatVersion: SnapshotFormat.version,
            buildID: buildID.uuidString.lowercased(),
            builtAt: builtAt.formatted(.iso8601),
            titleCount: titles.count,
            offerCount: titles.reduce(0) { $0 + $1.offers.count },
            sourceCounts: sourceCounts,
            aliases: aliases,
            averageDocumentLength: lexicon.averageLength,
            termCount: lexicon.termCount,
            writer: writerVersion
        )
        metadata.embedding = vectorSections?.metadata
        metadata.withoutVectors = vectors == nil ? (withoutVectors ?? "built without an embedder") : nil
        metadata.contentDigest =
            try knownDigest ?? contentDigest(titles: titles, aliases: aliases, embeddingModel: vectors?.modelID)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        sections.append((.meta, Array(try encoder.encode(metadata))))
        sections.append((.docIDs, encodeIDs(titles)))
        sections.append((.docBlocks, blocks))
        sections.append((.docBlockIndex, blockIndex))
        sections.append((.terms, terms))
        sections.append((.termRestarts, restarts))
        sections.append((.postings, postings))
        sections.append((.norms, lexicon.encodeNorms()))
        sections.append((.facets, facets))
        sections.append((.facetPostings, facetPostings))
        if let vectorSections {
            sections.append((.vectorCodes, vectorSections.codes))
            sections.append((.vectorScales, vectorSections.scales))
            if let graph = vectorSections.graph { sections.append((.vectorGraph, graph)) }
        }
        return assemble(sections, buildID: buildID)
    }

    /// int8 codes and scales in document order, and the HNSW graph for large catalogs.
    private func encodeVectors(
        _ vectors: EmbeddedVectors,
        titles: [CanonicalTitle],
        previous: Snapshot?,
        progress: ProgressHandler?
    ) throws -> (metadata: EmbeddingMetadata, codes: [UInt8], scales: [UInt8], graph: [UInt8]?) {
        let dimension = vectors.dimension
        var codes: [Int8] = []
        codes.reserveCapacity(titles.count * dimension)
        var scales: [Float] = []
        scales.reserveCapacity(titles.count)
        for title in titles {
            guard let vector = vectors.byTitleID[title.id], vector.count == dimension else {
                throw MediaError(.internalFailure, "no \(dimension)-dimensional embedding for title \(title.id)")
            }
            let quantized = QuantizedVectors.quantize(vector)
            codes += quantized.codes
            scales.append(quantized.scale)
        }
        var metadata = EmbeddingMetadata(model: vectors.modelID, dimension: dimension, count: titles.count)
        var graph: [UInt8]?
        if titles.count >= graphThreshold {
            codes.withUnsafeBufferPointer { codes in
                scales.withUnsafeBufferPointer { scales in
                    let quantized = QuantizedVectors(dimension: dimension, codes: codes, scales: scales)
                    let builder = VectorGraphBuilder(
                        vectors: quantized,
                        neighborsPerNode: graphNeighbors,
                        efConstruction: efConstruction(titles: titles.count),
                        reusing: graphReuse(previous, model: vectors.modelID, titles: titles, vectors: quantized)
                    )
                    builder.build(progress: progress)
                    graph = builder.encode()
                    metadata.graph = GraphMetadata(
                        kind: "hnsw",
                        neighborsPerNode: graphNeighbors,
                        efConstruction: efConstruction(titles: titles.count),
                        topLevel: builder.topLevel
                    )
                    if builder.reused.nodes > 0, let previous {
                        metadata.graph?.reusedNodes = builder.reused.nodes
                        metadata.graph?.reusedFrom = previous.metadata.buildID
                    }
                }
            }
        }
        var scaleBytes = ByteWriter()
        for scale in scales { scaleBytes.u32(scale.bitPattern) }
        return (metadata, codes.map { UInt8(bitPattern: $0) }, scaleBytes.bytes, graph)
    }

    /// What `previous`'s graph lends this build: nil unless it was built with the same model
    /// and links, and enough of its nodes are unchanged (``graphReuseShare``).
    private func graphReuse(
        _ previous: Snapshot?,
        model: String,
        titles: [CanonicalTitle],
        vectors: QuantizedVectors
    ) -> GraphReuse? {
        guard let previous, let embedding = previous.metadata.embedding, embedding.model == model,
            embedding.graph?.efConstruction == efConstruction(titles: titles.count),
            let reuse = GraphReuse(
                previous,
                newIDs: titles.map(\.id),
                newVectors: vectors,
                neighborsPerNode: graphNeighbors
            )
        else { return nil }
        return Double(reuse.keptCount) >= graphReuseShare * Double(max(titles.count, 1)) ? reuse : nil
    }

    /// Header, 8-aligned section bodies, section table, footer with the whole-file SHA-256.
    private func assemble(_ sections: [(SnapshotFormat.Section, [UInt8])], buildID: UUID) -> Data {
        var file = ByteWriter()
        file.append(SnapshotFormat.headerMagic)
        file.u32(SnapshotFormat.version)
        file.u32(UInt32(SnapshotFormat.headerLength))
        file.append(withUnsafeBytes(of: buildID.uuid) { Array($0) })
        var table = ByteWriter()
        table.u32(UInt32(sections.count))
        for (section, body) in sections {
            file.align(8)
            let offset = file.count
            file.append(body)
            var name = Array(section.rawValue.utf8)
            name += Array(repeating: 0, count: 16 - name.count)
            table.append(name)
            table.u64(UInt64(offset))
            table.u64(UInt64(body.count))
            table.u32(body.withUnsafeBytes { CRC32.checksum($0) })
            table.u32(0)  // flags, reserved
            table.u64(0)  // reserved
        }
        file.align(8)
        let tableOffset = file.count
        file.append(table.bytes)
        // The digest covers everything before the footer.
        let digest = SHA256.hash(data: file.bytes)
        file.u64(UInt64(tableOffset))
        file.u64(UInt64(table.count))
        file.u32(table.bytes.withUnsafeBytes { CRC32.checksum($0) })
        file.u32(SnapshotFormat.version)
        file.append(digest)
        file.append(SnapshotFormat.footerMagic)
        return Data(file.bytes)
    }

    /// Doc ids as an offset table into a string heap; docs are in id order, so it is also the
    /// sorted index used to find a doc by id.
    private func encodeIDs(_ titles: [CanonicalTitle]) -> [UInt8] {
        var out = ByteWriter()
        out.u32(UInt32(titles.count))
        var heap: [UInt8] = []
        for title in titles {
            out.u32(UInt32(heap.count))
            heap += Array(title.id.utf8)
        }
        out.u32(UInt32(heap.count))
        out.append(heap)
        return out.bytes
    }

    /// Titles in the compact encoding, `titlesPerBlock` to a zstd frame; each block starts with its
    /// own offset table.
    private func encodeTitleBlocks(_ titles: [CanonicalTitle]) throws -> (blocks: [UInt8], index: [UInt8]) {
        let starts = Array(stride(from: 0, to: titles.count, by: SnapshotFormat.titlesPerBlock))
        let level = compressionLevel
        // Encoding and compressing blocks is independent work: spread it over the cores.
        let compressed = try starts.parallelMap { start in
            let encoder = CompactEncoder()
            let slice = titles[start..<min(start + SnapshotFormat.titlesPerBlock, titles.count)]
            var block = ByteWriter()
            block.u32(UInt32(slice.count))
            var bodies: [UInt8] = []
            for title in slice {
                block.u32(UInt32(bodies.count))
                bodies += try encoder.encode(title)
            }
            block.u32(UInt32(bodies.count))
            block.append(bodies)
            return try Zstd.compress(Data(block.bytes), level: level)
        }
        var blocks: [UInt8] = []
        var index = ByteWriter()
        index.u32(UInt32(starts.count))
        for (start, data) in zip(starts, compressed) {
            index.u64(UInt64(blocks.count))
            index.u32(UInt32(data.count))
            index.u32(UInt32(start))
            blocks += data
        }
        return (blocks, index.bytes)
    }
}
