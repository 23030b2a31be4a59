import Foundation

/// A record read from a page of input, with where in the payloads it came from
/// (`GET /v4/shows/82 · shows[0]`, `catalog.jsonl:7`).
///
/// The one type a connector's page and a staged page share: connectors produce items, staging
/// commits them.
public struct PageItem: Sendable {
    public var record: SourceRecord
    public var location: String

    public init(record: SourceRecord, location: String) {
        self.record = record
        self.location = location
    }
}

/// A piece of a page that could not become a record, quarantined with its reason.
public struct PageRejection: Sendable, Equatable {
    public var location: String
    public var reason: String
    /// The start of the offending input, for the operator (at most 500 characters).
    public var excerpt: String

    public init(location: String, reason: String, excerpt: String) {
        self.location = location
        self.reason = reason
        self.excerpt = String(excerpt.prefix(500))
    }
}

/// How a page's records combine with the staged versions of the same records.
public enum RecordMerge: String, Sendable {
    /// The new record replaces the staged one.
    case replace
    /// Fields the new record leaves unset keep their staged values (partial descriptions).
    case fillMissingFields
    /// Offers keep staged `availableSince`/`expiresOn` dates the new record does not state
    /// (a listing that says nothing about expiries must not erase them).
    case keepOfferDates
}
