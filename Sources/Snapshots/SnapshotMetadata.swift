/// What a snapshot says about itself: the `meta` section, JSON.
public struct SnapshotMetadata: Codable, Sendable, Equatable {
    public var formatVersion: UInt32
    public var buildID: String
    /// ISO 8601 time of the build.
    public var builtAt: String
    public var titleCount: Int
    public var offerCount: Int
    /// Live source records per source that went into the build.
    public var sourceCounts: [String: Int]
    /// Retired canonical id → surviving id.
    public var aliases: [String: String]
    /// Mean weighted document length, for BM25.
    public var averageDocumentLength: Double
    public var termCount: Int
    /// The tool version that wrote the file.
    public var writer: String
    /// The vector sections, when the snapshot was built with embeddings.
    public var embedding: EmbeddingMetadata?
    /// Why the snapshot has no vectors (`embedding` is nil): who opted out, or what was missing.
    public var withoutVectors: String?
    /// SHA-256 of what the snapshot serves (titles, aliases, embedding model, format and writer),
    /// without the build's time and id: two builds with equal digests serve the same thing.
    public var contentDigest: String?

    public init(
        formatVersion: UInt32,
        buildID: String,
        builtAt: String,
        titleCount: Int,
        offerCount: Int,
        sourceCounts: [String: Int],
        aliases: [String: String],
        averageDocumentLength: Double,
        termCount: Int,
        writer: String
    ) {
        self.formatVersion = formatVersion
        self.buildID = buildID
        self.builtAt = builtAt
        self.titleCount = titleCount
        self.offerCount = offerCount
        self.sourceCounts = sourceCounts
        self.aliases = aliases
        self.averageDocumentLength = averageDocumentLength
        self.termCount = termCount
        self.writer = writer
    }
}

extension SnapshotMetadata {
    /// What a snapshot can do beyond lexical search.
    public struct Capabilities: OptionSet, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// Vectors: semantic and hybrid search, similar titles.
        public static let vectors = Capabilities(rawValue: 1)
        /// The HNSW graph: approximate vector search at scale.
        public static let graph = Capabilities(rawValue: 2)

        public var description: String {
            var names: [String] = []
            if contains(.vectors) { names.append("vectors (semantic and hybrid search)") }
            if contains(.graph) { names.append("the vector graph (fast semantic search on a large catalog)") }
            return names.joined(separator: " and ")
        }
    }

    public var capabilities: Capabilities {
        var result: Capabilities = []
        if let embedding {
            result.insert(.vectors)
            if embedding.graph != nil { result.insert(.graph) }
        }
        return result
    }
}

/// What the vector sections hold.
public struct EmbeddingMetadata: Codable, Sendable, Equatable {
    /// The embedder's model id; queries must be embedded by the same model.
    public var model: String
    public var dimension: Int
    public var count: Int
    /// `int8`: one signed byte per dimension and a float32 scale per vector.
    public var quantization: String
    /// The approximate-search graph, when the catalog was large enough to need one.
    public var graph: GraphMetadata?

    public init(model: String, dimension: Int, count: Int, quantization: String = "int8", graph: GraphMetadata? = nil) {
        self.model = model
        self.dimension = dimension
        self.count = count
        self.quantization = quantization
        self.graph = graph
    }
}

/// Parameters of the HNSW graph in `vec.graph`.
public struct GraphMetadata: Codable, Sendable, Equatable {
    public var kind: String
    public var neighborsPerNode: Int
    public var efConstruction: Int
    public var topLevel: Int
    /// When the graph was built from the previous snapshot's: the nodes taken over with their
    /// links (same title, same vector) and the snapshot they came from. Absent for a fresh build.
    public var reusedNodes: Int?
    public var reusedFrom: String?
}
