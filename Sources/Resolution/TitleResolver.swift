import MediaModel
import Staging

/// Turns staged source records into canonical titles with stable ids.
///
/// The interface the full matcher (entity-resolution issue) replaces the minimal key matcher behind.
public protocol TitleResolver: Sendable {
    /// Clusters `records` into canonical titles, keeping the ids in `identity` stable, and returns
    /// the titles and the updated identity map.
    func resolve(_ records: [SourceRecord], identity: IdentityMap) -> ResolvedCatalog
}

/// The outcome of resolution: titles sorted by id, and the identity map to persist.
public struct ResolvedCatalog: Sendable {
    public var titles: [CanonicalTitle]
    public var identity: IdentityMap
    /// Pairs scored between the review and the merge thresholds (matchers that score).
    public var review: [ReviewPair] = []

    public init(titles: [CanonicalTitle], identity: IdentityMap) {
        self.titles = titles
        self.identity = identity
    }
}
