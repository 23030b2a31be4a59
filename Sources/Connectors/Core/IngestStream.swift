import Foundation
import MediaModel

/// How a stream remembers where it is.
public enum CursorKind: String, Sendable, Codable {
    /// Page number or offset.
    case page
    /// An opaque token the provider hands back.
    case opaque
    /// A time window (`from`/`to`), advanced to a high-water mark.
    case window
    /// A position in a feed (newest entry seen).
    case feed
}

/// A half-open time range `[from, to)`.
public struct TimeWindow: Sendable, Codable, Equatable, CustomStringConvertible {
    public var from: Date
    public var to: Date

    public init(from: Date, to: Date) {
        self.from = from
        self.to = to
    }

    /// The window cut into consecutive steps of at most `step`.
    public func steps(of step: TimeInterval) -> [TimeWindow] {
        var windows: [TimeWindow] = []
        var start = from
        while start < to {
            let end = min(to, start.addingTimeInterval(step))
            windows.append(TimeWindow(from: start, to: end))
            start = end
        }
        return windows
    }

    public var description: String { "[\(from.formatted(.iso8601)), \(to.formatted(.iso8601)))" }
}

/// A provider response as received, archived before it is parsed.
public struct RawPayload: Sendable {
    public var body: Data
    /// The call that produced it, without keys (`GET /v4/changes?country=us&…`).
    public var location: String
    public var contentType: String

    public init(body: Data, location: String, contentType: String = "application/json") {
        self.body = body
        self.location = location
        self.contentType = contentType
    }
}

/// One page a stream fetched: the payloads, what they mapped to, and where to go on from.
public struct FetchedPage: Sendable {
    public var payloads: [RawPayload]
    public var items: [PageItem] = []
    public var rejections: [PageRejection] = []
    /// The stream's position after this page, saved with it in one transaction.
    public var cursor: String
    /// Whether the stream has nothing more to fetch in this run.
    public var isLast: Bool
    /// For full listings: this page ends a complete pass over the listing.
    public var completesPass = false
    /// How items combine with what is staged (a feed entry describes only some fields).
    public var merge: RecordMerge = .replace
    /// How far through its pass the stream is after this page (0…1), when it can tell.
    public var progress: Double?
    /// Provider values with no mapping (`genre:Anime`, `service:399`) and how often they occurred.
    public var unmapped: [String: Int] = [:]

    public init(payloads: [RawPayload], cursor: String, isLast: Bool) {
        self.payloads = payloads
        self.cursor = cursor
        self.isLast = isLast
    }
}

/// A stream of pages from one provider endpoint family.
///
/// The runner calls ``next(after:window:)`` with the saved cursor (nil at the start) and commits
/// each page together with the page's cursor, so a crash resumes at the next page.
public protocol IngestStream: Sendable {
    /// Stream name within its connector (`catalog`, `changes`).
    var name: String { get }
    /// The source its records belong to (`streaming-availability`).
    var source: String { get }
    var cursorKind: CursorKind { get }
    /// Whether a completed pass lists everything the source has (so unseen records are gone).
    var isFullListing: Bool { get }
    /// Whether the stream can fetch an arbitrary time window (backfill).
    var supportsWindows: Bool { get }
    /// The page after `cursor`. With `window`, fetches that window instead of the scheduled one.
    func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage
}

extension IngestStream {
    public var supportsWindows: Bool { false }
}

/// Cursor state as compact JSON text.
enum CursorCoding {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String?, stream: String) throws -> T? {
        guard let text else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(type, from: Data(text.utf8))
        } catch {
            throw MediaError(.badInput, "the saved cursor of stream '\(stream)' is unreadable: \(text.prefix(200))")
        }
    }
}
