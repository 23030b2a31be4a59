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
