// Why one file: BM25F scoring, prefix and typo expansion and filtering share the index's private
// arrays in one hot loop.

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
    /// Per-document frequencies of common terms, for scoring them on a query's candidates only.
    private let denseFrequencies: DenseFrequencies
    /// Vector search over the snapshot's embeddings; nil for a snapshot built without them.
    public let vectorSearch: VectorSearch?
    /// How deep each ranking goes before fusion (at least the page asked for).
    public static let fusionDepth = 100
    /// Dated offers, indexed on the first question that needs them.
    private let availability = LazyAvailability()
    /// Per-document sort keys for years and titles, built on the first sort that needs them.
    private let sortKeys = LazySortKeys()
    /// The documents passing each set of filters lately asked for: filtered queries ask for the
    /// same few again and again (16 MB: about 1,300 sets at 100,000 titles).
    private let filterSets = BoundedCache<SearchFilters, DocumentSet>(budget: 16 << 20)

    /// `commonTermBytes` bounds the memory kept for scoring common words on a query's
    /// candidates (one byte per title per term; 0 walks their postings every time).
    public init(snapshot: Snapshot, commonTermBytes: Int = 128 << 20) {
        self.snapshot = snapshot
        vectorSearch = VectorSearch(snapshot: snapshot)
        let average = max(snapshot.metadata.averageDocumentLength, 1)
        lengthNorms = snapshot.documentLengths().map { Float(Self.k1 * (1 - Self.b + Self.b * Double($0) / average)) }
        accumulators = AccumulatorPool(documentCount: snapshot.documentCount)
        denseFrequencies = DenseFrequencies(documentCount: snapshot.documentCount, budget: commonTermBytes)
    }

    /// Builds what the first availability question, the first sorted search, the first hybrid
    /// search and the first descriptive query would otherwise build on their request path.
    public func warm() throws {
        _ = try availabilityIndex()
        try sortKeys.warm(snapshot)
        try denseFrequencies.warm(snapshot, minimumFrequency: commonThreshold)
    }

    /// A word in more titles than this is common: in a query with a rarer word it only ranks
    /// titles the rarer words matched.
    private var commonThreshold: Int { max(Self.commonWordMinimum, snapshot.documentCount / 20) }

    /// The snapshot's availability index (built on first use, then shared by every request).
    public func availabilityIndex() throws -> AvailabilityIndex {
        try availability.index(for: snapshot)
    }

    /// The documents that pass `filters`, or nil when there are none. Date conditions go through
    /// the availability index, so they hold for the same offer as country, service and
    /// monetization.
    public func documents(matching filters: SearchFilters) throws -> DocumentSet? {
        guard !filters.isEmpty else { return nil }
        if let kept = filterSets.value(for: filters) { return kept }
        var set: DocumentSet
        if filters.availableSince != nil || filters.expires != nil {
            set = try availabilityIndex().documents(filters.offerFilter)
            if let titles = try filters.titleFilters.documents(in: snapshot) { set.formIntersection(titles) }
        } else {
            set = try filters.documents(in: snapshot)!
        }
        filterSets.insert(set, for: filters, cost: snapshot.documentCount / 8 + 64)
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
            let similarities =
                query.explain ? Dictionary(vectorHits.map { ($0.doc, $0.similarity) }) { first, _ in first } : [:]
            return try rankedResults(
                vectorHits.map { ($0.doc, $0.similarity) },
                total: vectorHits.count,
                mode: mode,
                query: query,
                explain: { doc in
                    var explanation = HitExplanation(wordsMatched: 0, words: words.count, matchedTerms: [])
                    explanation.similarity = similarities[doc].map(Double.init)
                    return explanation
                }
            )
        }
        let endsInsideWord = query.text.last.map { $0.isLetter || $0.isNumber } ?? false
        let tuning = query.tuning
        // In a sentence ("how can you believe your eyes…") the function words match half the
        // catalog and say nothing; in a short title ("the thing") they are the title.
        let content = words.filter { !Self.stopwords.contains($0) }
        if tuning.stopwordQueryWords > 0, words.count >= tuning.stopwordQueryWords, content.count >= 2 {
            words = content
        }
        // A year among other words ("heat 1995") ranks titles of that year up; it is matched as
        // a word only when some title has it as one ("2001 a space odyssey").
        var year: Int?
        if words.count > 1, let index = words.lastIndex(where: Self.isYear) {
            year = Int(words[index])
            if try snapshot.lookup(words[index]) == nil { words.remove(at: index) }
        }
        var accumulator = accumulators.take()
        defer { accumulators.give(&accumulator) }
        let expanded = try accumulate(
            words,
            allowPrefix: endsInsideWord,
            filter: filter,
            tuning: tuning,
            into: &accumulator
        )
        var yearFactor: (UInt32) -> Float = { _ in 1 }
        if let year, tuning.yearBoost != 1 {
            let years = try sortKeys.years(snapshot)
            let near = Float(tuning.yearBoost.squareRoot())
            yearFactor = { doc in
                let distance = abs(Int(years[Int(doc)]) - year)
                return distance == 0 ? Float(tuning.yearBoost) : (distance == 1 ? near : 1)
            }
            accumulator.scale(yearFactor)
        }
        let ranking = ScoreAccumulator.Ranking(
            words: words.count,
            coordinated: words.count <= tuning.coordinationWords,
            coveragePower: Float(tuning.coveragePower)
        )
        let lexicalExplanation = { (doc: UInt32) throws -> HitExplanation in
            try self.explanation(
                doc,
                words: words,
                expanded: expanded,
                accumulator: accumulator,
                yearFactor: yearFactor
            )
        }
        if mode == .lexical {
            let ranked = accumulator.top(query.offset + query.limit, ranking)
            return try rankedResults(
                ranked.map { ($0.doc, $0.score) },
                total: accumulator.matchedCount,
                mode: mode,
                query: query,
                alsoMatched: accumulator,
                explain: lexicalExplanation
            )
        }
        let hasText = tuning.textlessPenalty > 0 ? try sortKeys.hasText(snapshot) : nil
        // A short query that names something ("scorsese") stays a name when the filters leave
        // none of its matches: the answer is then few or none, not the vectors' weak neighbours.
        var confident = ranking.coordinated && accumulator.someDocumentMatchedAll(words.count)
        if !confident, ranking.coordinated, filter != nil {
            confident = try someTitleMatchesAll(words, allowPrefix: endsInsideWord, tuning: tuning)
        }
        let fused = fuse(
            hasText: hasText,
            yearFactor: yearFactor,
            lexical: accumulator.top(depth, ranking),
            vector: vectorHits,
            accumulator: accumulator,
            ranking: ranking,
            confident: confident,
            query: query
        )
        return try rankedResults(
            fused.ranked,
            total: accumulator.matchedCount + fused.vectorOnly,
            mode: mode,
            query: query,
            alsoMatched: accumulator,
            explain: { doc in
                var explanation = try lexicalExplanation(doc)
                if let parts = fused.parts[doc] {
                    explanation.similarity = Double(parts.similarity)
                    explanation.lexicalPart = Double(parts.lexical)
                    explanation.semanticPart = Double(parts.semantic)
                    explanation.lexicalWeight = Double(fused.lexicalWeight)
                    explanation.textlessPenalty = parts.penalty > 0 ? Double(parts.penalty) : nil
                }
                return explanation
            }
        )
    }

    /// Why `doc` matched lexically: its score, words matched, and which expansion of each query
    /// word is in which of its fields (read from the title itself: fields are folded into one
    /// term frequency in the index).
    private func explanation(
        _ doc: UInt32,
        words: [String],
        expanded: [[Expansion]],
        accumulator: ScoreAccumulator,
        yearFactor: (UInt32) -> Float
    ) throws -> HitExplanation {
        let title = try snapshot.title(doc)
        var fieldTerms: [IndexedField: Set<String>] = [:]
        for (field, text) in IndexedField.texts(of: title) {
            fieldTerms[field, default: []].formUnion(Tokenizer.terms(text))
        }
        var matched: [HitExplanation.MatchedTerm] = []
        for (word, expansions) in zip(words, expanded) {
            for expansion in expansions {
                let fields = IndexedField.allCases.filter { fieldTerms[$0]?.contains(expansion.entry.term) == true }
                guard !fields.isEmpty else { continue }
                matched.append(
                    .init(
                        word: word,
                        term: expansion.entry.term,
                        match: expansion.match,
                        fields: fields.map(\.rawValue)
                    )
                )
            }
        }
        let score = accumulator.score(doc)
        let boost = yearFactor(doc)
        var explanation = HitExplanation(
            wordsMatched: accumulator.matchedWordCount(doc),
            words: words.count,
            matchedTerms: matched
        )
        explanation.lexicalScore = score > 0 ? Double(score) : nil
        explanation.yearBoost = boost != 1 ? Double(boost) : nil
        return explanation
    }

    /// English function words, dropped from sentence-length queries (`stopwordQueryWords`).
    static let stopwords: Set<String> = [
        "a", "about", "after", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being",
        "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have", "having", "he",
        "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "me", "my",
        "no", "nor", "not", "of", "on", "or", "our", "ours", "she", "so", "some", "such", "than", "that", "the",
        "their", "theirs", "them", "then", "there", "these", "they", "theyre", "this", "those", "to", "too", "us",
        "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
        "would", "you", "your", "yours", "youre",
    ]

    /// Whether `word` reads as a release year.
    static func isYear(_ word: String) -> Bool {
        word.utf8.count == 4 && word.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && (1870...2100).contains(Int(word)!)
    }

    /// Scores every title matching `words` into `accumulator`, rarest word first.
    private func accumulate(
        _ words: [String],
        allowPrefix endsInsideWord: Bool,
        filter: DocumentSet?,
        tuning: RankingTuning,
        into accumulator: inout ScoreAccumulator
    ) throws -> [[Expansion]] {
        let documentCount = Double(snapshot.documentCount)
        // Rarest words first. A word in more than 5% of titles ("the", "of") then only adds to
        // titles a rarer word already matched: it still ranks them, but walking its long
        // postings never creates candidates that could only rank below every real match.
        let expanded = try words.enumerated().map { position, word in
            try expansions(
                of: word,
                allowPrefix: position == words.count - 1 && endsInsideWord,
                variantWeight: tuning.variantWeight
            )
        }
        let frequencies = expanded.map { $0.reduce(0) { $0 + $1.entry.documentFrequency } }
        let order = expanded.indices.sorted {
            frequencies[$0] != frequencies[$1] ? frequencies[$0] < frequencies[$1] : $0 < $1
        }
        let hasRareWord = frequencies.contains { $0 > 0 && $0 <= commonThreshold }
        for (position, index) in order.enumerated() {
            let onlyExisting = hasRareWord && frequencies[index] > commonThreshold
            for expansion in expanded[index] {
                let frequency = Double(expansion.entry.documentFrequency)
                let idf = log(1 + (documentCount - frequency + 0.5) / (frequency + 0.5))
                let weight = Float(idf * expansion.weight * (Self.k1 + 1))
                try lengthNorms.withUnsafeBufferPointer { norms in
                    let titles = expansion.entry.documentFrequency
                    if onlyExisting, titles > accumulator.matchedCount,
                        denseFrequencies.isWorthKeeping(documentFrequency: titles)
                    {
                        let dense = try denseFrequencies.frequencies(expansion.entry, in: snapshot)
                        accumulator.addMatched(frequencies: dense, weight: weight, norms: norms)
                    } else {
                        try accumulator.addPostings(
                            of: expansion.entry,
                            in: snapshot,
                            weight: weight,
                            norms: norms,
                            filter: filter,
                            onlyExisting: onlyExisting
                        )
                    }
                }
            }
            accumulator.finishWord(position)
        }
        return expanded
    }

    /// Whether some title of the whole catalog, filters aside, matches every one of `words`.
    private func someTitleMatchesAll(_ words: [String], allowPrefix: Bool, tuning: RankingTuning) throws -> Bool {
        var accumulator = accumulators.take()
        defer { accumulators.give(&accumulator) }
        _ = try accumulate(words, allowPrefix: allowPrefix, filter: nil, tuning: tuning, into: &accumulator)
        return accumulator.someDocumentMatchedAll(words.count)
    }

    /// Hybrid ranking: every candidate of either ranking gets both scores — its BM25 score
    /// scaled by the share of words it matched, and its similarity to the query — each
    /// normalized by the best candidate's, and the two are combined with a weight that leans
    /// lexical for short queries and semantic for long ones. Titles only the vectors found are
    /// matches when similar enough (`minimumSimilarity`, and `paddingSimilarity` when the query
    /// is `confident`: short, and some title matched every word of it, within the filters or not).
    /// A vector candidate stays one when it matched a few words without being among the lexical
    /// best: in a description nearly every title with text matches some word.
    /// A year in the query (`yearFactor`) scales the combined score, not the lexical part alone:
    /// the vectors of the other films of that title must not outvote it.
    private func fuse(
        hasText: [Bool]?,
        yearFactor: (UInt32) -> Float,
        lexical: [(doc: UInt32, score: Float)],
        vector: [(doc: UInt32, similarity: Float)],
        accumulator: ScoreAccumulator,
        ranking: ScoreAccumulator.Ranking,
        confident: Bool,
        query: SearchQuery
    ) -> FusedRanking {
        let tuning = query.tuning
        var similarity: [UInt32: Float] = [:]
        for hit in vector { similarity[hit.doc] = hit.similarity }
        let missing = lexical.map(\.doc).filter { similarity[$0] == nil }
        for (doc, value) in zip(missing, vectorSearch!.similarities(to: query.vector!, documents: missing)) {
            similarity[doc] = value
        }
        var candidates = lexical.map(\.doc)
        let lexicalCandidates = Set(candidates)
        var vectorOnly = 0
        for hit in vector where !lexicalCandidates.contains(hit.doc) {
            let matched = accumulator.hasMatched(hit.doc)
            guard matched || !confident || hit.similarity >= tuning.paddingSimilarity else { continue }
            candidates.append(hit.doc)
            if !matched { vectorOnly += 1 }
        }
        func lexicalScore(_ doc: UInt32) -> Float {
            let coverage = Float(accumulator.matchedWordCount(doc)) / Float(max(ranking.words, 1))
            return accumulator.score(doc) / yearFactor(doc) * coverage * coverage
        }
        let floor = query.minimumSimilarity
        let bestLexical = max(candidates.map(lexicalScore).max() ?? 0, 1e-9)
        let bestSimilarity = max((candidates.compactMap { similarity[$0] }.max() ?? 0) - floor, 1e-6)
        let weight = Float(tuning.lexicalWeight(words: ranking.words))
        let textless = tuning.textlessPenalty * Float(tuning.descriptiveShare(words: ranking.words))
        var parts: [UInt32: FusedRanking.Parts] = [:]
        let ranked = candidates.map { doc -> (doc: UInt32, score: Float) in
            let penalty = hasText.map { $0[Int(doc)] ? 0 : textless } ?? 0
            let semantic = max((similarity[doc] ?? 0) - floor - penalty, 0) / bestSimilarity
            let boost = yearFactor(doc)
            let part = FusedRanking.Parts(
                lexical: boost * weight * lexicalScore(doc) / bestLexical,
                semantic: boost * (1 - weight) * semantic,
                similarity: similarity[doc] ?? 0,
                penalty: penalty
            )
            parts[doc] = part
            return (doc, part.lexical + part.semantic)
        }
        return FusedRanking(
            ranked: ranked.sorted { $0.score != $1.score ? $0.score > $1.score : $0.doc < $1.doc },
            vectorOnly: vectorOnly,
            parts: parts,
            lexicalWeight: weight
        )
    }

    /// A hybrid ranking, with the parts of each candidate's score for `explain`.
    struct FusedRanking {
        struct Parts {
            var lexical: Float
            var semantic: Float
            var similarity: Float
            var penalty: Float
        }
        var ranked: [(doc: UInt32, score: Float)]
        var vectorOnly: Int
        var parts: [UInt32: Parts]
        var lexicalWeight: Float
    }

    /// One page of `ranked` (best first), with facet counts over the ranked documents and
    /// everything `alsoMatched` holds.
    private func rankedResults(
        _ ranked: [(doc: UInt32, score: Float)],
        total: Int,
        mode: SearchMode,
        query: SearchQuery,
        alsoMatched accumulator: ScoreAccumulator? = nil,
        explain: ((UInt32) throws -> HitExplanation)? = nil
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
        let page = try ordered.dropFirst(query.offset).prefix(query.limit).map {
            SearchResults.Hit(
                document: $0.doc,
                id: snapshot.id(ofDocument: $0.doc),
                score: Double($0.score),
                explanation: query.explain ? try explain?($0.doc) : nil
            )
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

    /// The singular and plural forms of an English word: `witches` → `witche`, `witch`;
    /// `stories` → `story`; `dog` → `dogs`, `doges`. Only forms in the dictionary count.
    static func numberVariants(of word: String) -> [String] {
        guard word.utf8.count >= 3, word.utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else { return [] }
        if word.hasSuffix("ies") && word.utf8.count > 4 { return [String(word.dropLast(3)) + "y"] }
        if word.hasSuffix("ss") { return [word + "es"] }
        if word.hasSuffix("es") { return [String(word.dropLast()), String(word.dropLast(2))] }
        if word.hasSuffix("s") { return [String(word.dropLast())] }
        if word.hasSuffix("y") { return [word + "s", String(word.dropLast()) + "ies"] }
        return [word + "s", word + "es"]
    }

    /// A dictionary term a query word stands for, and how much a match on it counts.
    struct Expansion {
        var entry: Snapshot.TermEntry
        var weight: Double
        /// How it stands for the word: `exact`, `variant`, `prefix` or `typo`.
        var match: String
    }

    /// Exact term (weight 1), its singular or plural forms (`variantWeight`), prefix
    /// completions for the last word (0.8), and — only when the word is not itself in the
    /// dictionary — terms within the typo budget (1 edit from 5 letters: 0.6; 2 edits from 9
    /// letters: 0.4). A typo is assumed not to be in the first letter, which keeps the
    /// dictionary scan to one letter's range.
    func expansions(of word: String, allowPrefix: Bool, variantWeight: Double = 0.9) throws -> [Expansion] {
        var result: [Expansion] = []
        let exact = try snapshot.lookup(word)
        if let exact { result.append(Expansion(entry: exact, weight: 1, match: "exact")) }
        if variantWeight > 0 {
            for variant in Self.numberVariants(of: word) {
                if let entry = try snapshot.lookup(variant) {
                    result.append(Expansion(entry: entry, weight: variantWeight, match: "variant"))
                }
            }
        }
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
                result.append(Expansion(entry: entry, weight: 0.8, match: "prefix"))
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
                    result.append(Expansion(entry: entry(), weight: edits == 1 ? 0.6 : 0.4, match: "typo"))
                }
                return true
            }
        }
        return result
    }
}
