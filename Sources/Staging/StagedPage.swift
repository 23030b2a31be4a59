import Foundation
import MediaModel

/// One page of input — a provider response page or a batch of JSONL lines — ready to commit.
public struct StagedPage: Sendable {
    /// A cursor to save in the same transaction as the page.
    public struct Cursor: Sendable {
        public var job: String
        public var stream: String
        public var value: String

        public init(job: String, stream: String, value: String) {
            self.job = job
            self.stream = stream
            self.value = value
        }
    }

    /// A further payload of the same page (a provider page that took several calls).
    public struct Attachment: Sendable, Equatable {
        public var raw: Data
        public var location: String
        public var contentType: String

        public init(raw: Data, location: String, contentType: String) {
            self.raw = raw
            self.location = location
            self.contentType = contentType
        }
    }

    public var source: String
    /// The page as received; archived (zstd, SHA-256 addressed) before anything else.
    public var raw: Data
    public var rawLocation: String
    public var contentType: String
    /// Further payloads archived in the same transaction; an item whose location starts with an
    /// attachment's location points at that attachment.
    public var attachments: [Attachment] = []
    public var items: [PageItem]
    public var rejections: [PageRejection]
    public var cursor: Cursor?
    /// How items combine with their staged versions.
    public var merge: RecordMerge = .replace
    /// Set on the page that ends a full listing begun in this run: in the same transaction,
    /// records of the source not seen since then are tombstoned.
    public var endsListingBegunIn: Int64?
    /// Cursors deleted in the same transaction (the bookkeeping of a finished listing pass).
    public var clearedCursors: [Cursor] = []

    public init(
        source: String,
        raw: Data,
        rawLocation: String,
        contentType: String = "application/x-ndjson",
        items: [PageItem] = [],
        rejections: [PageRejection] = [],
        cursor: Cursor? = nil
    ) {
        self.source = source
        self.raw = raw
        self.rawLocation = rawLocation
        self.contentType = contentType
        self.items = items
        self.rejections = rejections
        self.cursor = cursor
    }
}

/// What committing pages did to the staged records.
public struct IngestCounts: Sendable, Equatable, Codable {
    public var read = 0
    public var new = 0
    public var changed = 0
    public var unchanged = 0
    public var quarantined = 0
    public var tombstoned = 0

    public init() {}

    public static func += (lhs: inout IngestCounts, rhs: IngestCounts) {
        lhs.read += rhs.read
        lhs.new += rhs.new
        lhs.changed += rhs.changed
        lhs.unchanged += rhs.unchanged
        lhs.quarantined += rhs.quarantined
        lhs.tombstoned += rhs.tombstoned
    }
}
