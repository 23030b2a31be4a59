import MediaModel

/// Turns staged source records into canonical titles with stable ids.
///
/// The interface the full matcher (entity-resolution issue) replaces the minimal key matcher behind.
public protocol TitleResolver: Sendable {
    /// Clusters `records` into canonical titles, keeping the ids in `identity` stable, and returns
    /// the titles and the updated identity map.
    func resolve(_ records: [SourceRecord], identity: IdentityMap) -> ResolvedCatalog

    /// Everything the outcome depends on besides the records: when it and the records are the
    /// same as last time, the saved identity is reused without matching.
    var configurationDigest: String { get }

    /// How the members of one title are merged into it.
    var merge: MergePolicy { get }

    /// Resolves again only what the records in `changed` (source keys) can affect, keeping the
    /// rest from `identity`; nil when the matcher can only resolve everything.
    func resolveIncrementally(_ records: [SourceRecord], identity: IdentityMap, changed: Set<String>)
        -> (catalog: ResolvedCatalog, reresolved: Int)?
}

extension TitleResolver {
    public var configurationDigest: String { String(describing: type(of: self)) }
    public var merge: MergePolicy { MergePolicy() }

    public func resolveIncrementally(_ records: [SourceRecord], identity: IdentityMap, changed: Set<String>)
        -> (catalog: ResolvedCatalog, reresolved: Int)?
    { nil }
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

    /// The titles the identity map already describes, merged again without any matching: for
    /// a run in which no record changed. Nil when a record has no id yet.
    public static func reusing(
        _ records: [SourceRecord],
        identity: IdentityMap,
        merge policy: MergePolicy = MergePolicy()
    ) -> ResolvedCatalog? {
        var groups: [String: [SourceRecord]] = [:]
        for record in records {
            guard let id = identity.assignments[record.key] else { return nil }
            groups[id, default: []].append(record)
        }
        let work = Array(groups)
        var titles = work.parallelMap { id, members in TitleMerger.merge(members, id: id, policy: policy) }
        titles.sort { $0.id < $1.id }
        return ResolvedCatalog(titles: titles, identity: identity)
    }
}
