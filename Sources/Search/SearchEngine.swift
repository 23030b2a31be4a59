import Foundation
import MediaModel
import Snapshots

/// BM25F search over one snapshot's lexical index, with prefix matching on the last query word,
/// typo tolerance, facet filters and deterministic ordering.
///
/// Ranking: documents matching more query words first, then by score, then by document number
/// (which is canonical-id order), so equal inputs always give equal pages.
public struct SearchEngine: Sendable {
    public let snapshot: Snapshot
    /// BM25 term-frequency saturation (k1 = 1.2) and length normalization (b = 0.75) are fixed;
    /// see docs/decisions/0003-search-ranking.md.
    private static let k1 = 1.2
    private static let b = 0.75
    /// A word counts as common (only ranking titles a rarer word matched) when it is in more than
    /// 5% of titles and in more than this many: in a tiny catalog every word is rare.
    static let commonWordMinimum = 50

    /// Most dictionary terms one prefix may expand to (the most frequent are kept).
    public var maximumPrefixExpansions = 40

    /// Per document, the BM25 length term `k1 · (1 − b + b · length / average)`, computed once
    /// per snapshot so scoring a posting is one multiply-add and one division.
    private let lengthNorms: [Float]
    private let accumulators: AccumulatorPool
    /// Vector search over the snapshot's embeddings; nil for a snapshot built without them.
    public let vectorSearch: VectorSearch?
    /// How deep each ranking goes before fusion (at least the page asked for).
    public static let fusionDepth = 100
    /// Dated offers, indexed on the first question that needs them.
    private let availability = LazyAvailability()
    /// Per-document sort keys for years and titles, built on the first sort that needs them.
    private let sortKeys = LazySortKeys()

    public init(snapshot: Snapshot) {
        self.snapshot = snapshot
        vectorSearch = VectorSearch(snapshot: snapshot)
        let average = max(snapshot.metadata.averageDocumentLength, 1)
        lengthNorms = snapshot.documentLengths().map { Float(Self.k1 * (1 - Self.b + Self.b * Double($0) / average)) }
        accumulators = AccumulatorPool(documentCount: snapshot.documentCount)
    }

    /// The snapshot's availability index (built on first use, then shared by every request).
    public func availabilityIndex() throws -> AvailabilityIndex {
        try availability.index(for: snapshot)
    }

    /// The documents that pass `filters`, or nil when there are none. Date conditions go through
    /// the availability index, so they hold for the same offer as country, service and
    /// monetization.
    public func documents(matching filters: SearchFilters) throws -> DocumentSet? {
        guard filters.availableSince != nil || filters.expires != nil else {
            return try filters.documents(in: snapshot)
        }
        var set = try availabilityIndex().documents(filters.offerFilter)
        if let titles = try filters.titleFilters.documents(in: snapshot) { set.formIntersection(titles) }
        return set
    }

    /// Titles with an offer leaving (`.soonestExpiry`) or new (`.newestStart`) under `filters`,
    /// each once with the offers that matched, one page of them and the total.
    public func availability(
        _ filters: SearchFilters,
        order: AvailabilityIndex.Order,
        offset: Int,
        limit: Int
    ) throws -> (hits: [AvailabilityIndex.Hit], total: Int) {
        try availabilityIndex().titles(
            filters.offerFilter,
            order: order,
            allowed: try filters.titleFilters.documents(in: snapshot),
            offset: offset,
            limit: limit
        )
    }

    /// Runs `query` and returns one page of hits plus the total number of matches.
    public func search(_ query: SearchQuery) throws -> SearchResults {
        let filter = try documents(matching: query.filters)
        var words: [String] = []
        for term in Tokenizer.terms(query.text) where !words.contains(term) && words.count < 32 {
            words.append(term)
        }
        if words.isEmpty {
            return try browse(filter, query)
        }
        let mode: SearchMode = vectorSearch != nil && query.vector != nil ? query.mode : .lexical
        let depth = max(Self.fusionDepth, query.offset + query.limit)
        let vectorHits =
            mode == .lexical
            ? []
            : vectorSearch!.nearest(to: query.vector!, k: depth, filter: filter).filter {
                $0.similarity >= query.minimumSimilarity
            }
        if mode == .semantic {
            return try rankedResults(
                vectorHits.map { ($0.doc, $0.similarity) },
                total: vectorHits.count,
                mode: mode,
                query: query
            )
        }
        let endsInsideWord = query.text.last.map { $0.isLetter || $0.isNumber } ?? false
        var accumulator = accumulators.take()
        defer { accumulators.give(&accumulator) }
        let documentCount = Double(snapshot.documentCount)
        // Rarest words first. A word in more than 5% of titles ("the", "of") then only adds to
        // titles a rarer word already matched: it still ranks them, but walking its long
        // postings never creates candidates that could only rank below every real match.
        let expanded = try words.enumerated().map { position, word in
            try expansions(of: word, allowPrefix: position == words.count - 1 && endsInsideWord)
        }
        let frequencies = expanded.map { $0.reduce(0) { $0 + $1.entry.documentFrequency } }
        let order = expanded.indices.sorted {
            frequencies[$0] != frequencies[$1] ? frequencies[$0] < frequencies[$1] : $0 < $1
        }
        let commonThreshold = max(Self.commonWordMinimum, snapshot.documentCount / 20)
        let hasRareWord = frequencies.contains { $0 > 0 && $0 <= commonThreshold }
        for (position, index) in order.enumerated() {
            let onlyExisting = hasRareWord && frequencies[index] > commonThreshold
            for expansion in expanded[index] {
                let frequency = Double(expansion.entry.documentFrequency)
                let idf = log(1 + (documentCount - frequency + 0.5) / (frequency + 0.5))
                let weight = Float(idf * expansion.weight * (Self.k1 + 1))
                try lengthNorms.withUnsafeBufferPointer { norms in
                    try snapshot.forEachPosting(expansion.entry) { doc, termFrequency in
                        if let filter, !filter.contains(doc) { return }
                        if onlyExisting && !accumulator.hasMatched(doc) { return }
                        let tf = Float(termFrequency)
                        accumulator.offer(doc, weight * tf / (tf + norms[Int(doc)]))
                    }
                }
            }
            accumulator.finishWord(position)
        }
        if mode == .lexical {
            let ranked = accumulator.top(query.offset + query.limit)
            return try rankedResults(
                ranked.map { ($0.doc, $0.score) },
                total: accumulator.matchedCount,
                mode: mode,
                query: query,
                alsoMatched: accumulator
            )
        }
        // A lexical match counts in proportion to the share of query words it matched: a title
        // matching 2 of 10 words of a description is weak evidence, one matching all is strong.
        let lexical = accumulator.top(depth).map {
            ($0.doc, Float(accumulator.matchedWordCount($0.doc)) / Float(words.count))
        }
        // Likewise a vector candidate counts in proportion to its similarity relative to the best.
        let best = max(vectorHits.first?.similarity ?? 1, 1e-6)
        let semantic = vectorHits.map { ($0.doc, $0.similarity / best) }
        let fused = Self.fuse([lexical, semantic], k: query.fusionK)
        let vectorOnly = vectorHits.reduce(0) { $0 + (accumulator.hasMatched($1.doc) ? 0 : 1) }
        return try rankedResults(
            fused,
            total: accumulator.matchedCount + vectorOnly,
            mode: mode,
            query: query,
            alsoMatched: accumulator
        )
    }

    /// Weighted reciprocal rank fusion: each ranking adds `weight / (k + rank)` (rank from 1)
    /// to a document; ties go to the lower document number.
    static func fuse(_ rankings: [[(doc: UInt32, weight: Float)]], k: Int) -> [(doc: UInt32, score: Float)] {
        var scores: [UInt32: Float] = [:]
        for ranking in rankings {
            for (index, entry) in ranking.enumerated() {
                scores[entry.doc, default: 0] += entry.weight / Float(k + index + 1)
            }
        }
        return scores.map { ($0.key, $0.value) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    }

    /// One page of `ranked` (best first), with facet counts over the ranked documents and
    /// everything `alsoMatched` holds.
    private func rankedResults(
        _ ranked: [(doc: UInt32, score: Float)],
        total: Int,
        mode: SearchMode,
        query: SearchQuery,
        alsoMatched accumulator: ScoreAccumulator? = nil
    ) throws -> SearchResults {
        var ordered = ranked
        if query.sort != .relevance {
            // Every match, not only the best-ranked ones, is ordered by the field.
            var seen = Set(ranked.map(\.doc))
            if let accumulator {
                accumulator.forEachMatched { doc in
                    if seen.insert(doc).inserted { ordered.append((doc, accumulator.score(doc))) }
                }
            }
            ordered = try sorted(ordered, by: query.sort, filters: query.filters)
        }
        let page = ordered.dropFirst(query.offset).prefix(query.limit).map {
            SearchResults.Hit(document: $0.doc, id: snapshot.id(ofDocument: $0.doc), score: Double($0.score))
        }
        var results = SearchResults(total: total, hits: Array(page))
        results.mode = mode
        if !query.facets.isEmpty {
            var matches = DocumentSet(count: snapshot.documentCount, full: false)
            accumulator?.forEachMatched { matches.insert($0) }
            for hit in ranked { matches.insert(hit.doc) }
            results.facets = try countFacets(query.facets, in: matches)
        }
        return results
    }

    /// Titles nearest to document `doc` by their stored vectors, under the query's filters and
    /// page; nil when the snapshot has no vectors.
    public func similar(to doc: UInt32, _ query: SearchQuery) throws -> SearchResults? {
        guard let vectorSearch else { return nil }
        let filter = try documents(matching: query.filters)
        let hits = vectorSearch.nearest(
            to: vectorSearch.vectors.vector(Int(doc)),
            k: query.offset + query.limit,
            filter: filter,
            excluding: doc
        )
        return try rankedResults(hits.map { ($0.doc, $0.similarity) }, total: hits.count, mode: .semantic, query: query)
    }

    /// `documents` ordered by `sort`, ties by document number, titles without a value last.
    func sorted(
        _ documents: [(doc: UInt32, score: Float)],
        by sort: SearchSort,
        filters: SearchFilters
    ) throws -> [(doc: UInt32, score: Float)] {
        let keys: (UInt32) -> Int64?
        switch sort.field {
        case .relevance:
            return documents
        case .year:
            let years = try sortKeys.years(snapshot)
            keys = { years[Int($0)] == Int32.min ? nil : Int64(years[Int($0)]) }
        case .title:
            let ranks = try sortKeys.titleRanks(snapshot)
            keys = { Int64(ranks[Int($0)]) }
        case .expires, .availableSince:
            let days = try availabilityIndex().firstDays(
                filters.offerFilter,
                expiry: sort.field == .expires,
                latest: sort.descending
            )
            keys = { days[$0].map { Int64($0.number) } }
        }
        let keyed = documents.map { (entry: $0, key: keys($0.doc)) }
        return keyed.sorted { left, right in
            switch (left.key, right.key) {
            case (let a?, let b?) where a != b: return sort.descending ? a > b : a < b
            case (nil, _?): return false
            case (_?, nil): return true
            default: return left.entry.doc < right.entry.doc
            }
        }.map(\.entry)
    }

    /// Without query words: the filtered documents in document order (or by `query.sort`).
    private func browse(_ filter: DocumentSet?, _ query: SearchQuery) throws -> SearchResults {
        if query.sort != .relevance {
            var all: [(doc: UInt32, score: Float)] = []
            (filter ?? DocumentSet(count: snapshot.documentCount, full: true)).forEach { all.append(($0, 0)) }
            return try rankedResults(all, total: all.count, mode: .lexical, query: query)
        }
        var hits: [SearchResults.Hit] = []
        var seen = 0
        let take = { (doc: UInt32) in
            if seen >= query.offset && hits.count < query.limit {
                hits.append(SearchResults.Hit(document: doc, id: snapshot.id(ofDocument: doc), score: 0))
            }
            seen += 1
        }
        let matches = filter ?? DocumentSet(count: snapshot.documentCount, full: true)
        matches.forEach(take)
        var results = SearchResults(total: seen, hits: hits)
        results.facets = try countFacets(query.facets, in: matches)
        return results
    }

    /// Counts each value of `fields` over `matches`: one pass over each value's postings.
    func countFacets(_ fields: [FacetField], in matches: DocumentSet) throws -> [FacetField: [SearchResults.FacetCount]]
    {
        var counts: [FacetField: [SearchResults.FacetCount]] = [:]
        for field in fields {
            var values: [SearchResults.FacetCount] = []
            for (value, _) in snapshot.facetValues(field) {
                let count = try snapshot.facetDocuments(field, value).reduce(0) { $0 + (matches.contains($1) ? 1 : 0) }
                if count > 0 { values.append(.init(value: value, count: count)) }
            }
            values.sort { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
            counts[field] = Array(values.prefix(50))
        }
        return counts
    }

    /// A dictionary term a query word stands for, and how much a match on it counts.
    struct Expansion {
        var entry: Snapshot.TermEntry
        var weight: Double
    }

    /// Exact term (weight 1), prefix completions for the last word (0.8), and — only when the
    /// word is not itself in the dictionary — terms within the typo budget (1 edit from 5
    /// letters: 0.6; 2 edits from 9 letters: 0.4). A typo is assumed not to be in the first
    /// letter, which keeps the dictionary scan to one letter's range.
    func expansions(of word: String, allowPrefix: Bool) throws -> [Expansion] {
        var result: [Expansion] = []
        let exact = try snapshot.lookup(word)
        if let exact { result.append(Expansion(entry: exact, weight: 1)) }
        let letters = Array(word.utf8)
        // One letter says too little to complete; short prefixes complete to fewer terms.
        if allowPrefix && letters.count >= 2 {
            var completions: [Snapshot.TermEntry] = []
            var scanned = 0
            try snapshot.scanTermBytes(from: word) { term, entry in
                guard term.starts(with: letters), scanned < 5000 else { return false }
                scanned += 1
                if term.count != letters.count { completions.append(entry()) }
                return true
            }
            completions.sort {
                $0.documentFrequency != $1.documentFrequency
                    ? $0.documentFrequency > $1.documentFrequency : $0.term < $1.term
            }
            let limit = letters.count <= 3 ? min(10, maximumPrefixExpansions) : maximumPrefixExpansions
            for entry in completions.prefix(limit) {
                result.append(Expansion(entry: entry, weight: 0.8))
            }
        }
        let budget = letters.count >= 9 ? 2 : (letters.count >= 5 ? 1 : 0)
        if exact == nil, budget > 0, let first = word.unicodeScalars.first {
            var distance = EditDistance(capacity: Snapshot.maximumTermBytes)
            try snapshot.scanTermBytes(from: String(first)) { term, entry in
                guard term.first == letters.first else { return false }
                guard abs(term.count - letters.count) <= budget else { return true }
                // Prefix completions of the last word are already in.
                if allowPrefix && term.starts(with: letters) { return true }
                let edits = distance.bounded(letters, term, limit: budget)
                if edits <= budget {
                    result.append(Expansion(entry: entry(), weight: edits == 1 ? 0.6 : 0.4))
                }
                return true
            }
        }
        return result
    }
}
