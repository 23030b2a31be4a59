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
    /// BM25 term-frequency saturation.
    public var k1: Double = 1.2
    /// BM25 length normalization.
    public var b: Double = 0.75
    /// Most dictionary terms one prefix may expand to (the most frequent are kept).
    public var maximumPrefixExpansions = 40

    public init(snapshot: Snapshot) {
        self.snapshot = snapshot
    }

    /// Runs `query` and returns one page of hits plus the total number of matches.
    public func search(_ query: SearchQuery) throws -> SearchResults {
        let filter = try query.filters.documents(in: snapshot)
        var words: [String] = []
        for term in Tokenizer.terms(query.text) where !words.contains(term) && words.count < 32 {
            words.append(term)
        }
        if words.isEmpty {
            return browse(filter, query)
        }
        let endsInsideWord = query.text.last.map { $0.isLetter || $0.isNumber } ?? false
        var accumulator = ScoreAccumulator(documentCount: snapshot.documentCount)
        let documentCount = Double(snapshot.documentCount)
        let averageLength = max(snapshot.metadata.averageDocumentLength, 1)
        for (position, word) in words.enumerated() {
            let allowPrefix = position == words.count - 1 && endsInsideWord
            for expansion in try expansions(of: word, allowPrefix: allowPrefix) {
                let frequency = Double(expansion.entry.documentFrequency)
                let idf = log(1 + (documentCount - frequency + 0.5) / (frequency + 0.5))
                let weight = idf * expansion.weight
                try snapshot.forEachPosting(expansion.entry) { doc, termFrequency in
                    if let filter, !filter.contains(doc) { return }
                    let tf = Double(termFrequency)
                    let length = Double(snapshot.documentLength(doc))
                    let score = weight * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / averageLength))
                    accumulator.offer(doc, Float(score))
                }
            }
            accumulator.finishWord(position)
        }
        let wanted = query.offset + query.limit
        let ranked = accumulator.top(wanted)
        let page = ranked.dropFirst(query.offset).map {
            SearchResults.Hit(document: $0.doc, id: snapshot.id(ofDocument: $0.doc), score: Double($0.score))
        }
        return SearchResults(total: accumulator.matchedCount, hits: Array(page))
    }

    /// Without query words: the filtered documents in document order.
    private func browse(_ filter: DocumentSet?, _ query: SearchQuery) -> SearchResults {
        var hits: [SearchResults.Hit] = []
        var seen = 0
        let take = { (doc: UInt32) in
            if seen >= query.offset && hits.count < query.limit {
                hits.append(SearchResults.Hit(document: doc, id: snapshot.id(ofDocument: doc), score: 0))
            }
            seen += 1
        }
        if let filter {
            filter.forEach(take)
        } else {
            for doc in 0..<UInt32(snapshot.documentCount) { take(doc) }
        }
        return SearchResults(total: seen, hits: hits)
    }

    /// A dictionary term a query word stands for, and how much a match on it counts.
    struct Expansion {
        var entry: Snapshot.TermEntry
        var weight: Double
    }

    /// Exact term (weight 1), prefix completions for the last word (0.8), and terms within the
    /// typo budget (1 edit from 5 letters: 0.6; 2 edits from 9 letters: 0.4). A typo is assumed
    /// not to be in the first letter, which keeps the dictionary scan to one letter's range.
    func expansions(of word: String, allowPrefix: Bool) throws -> [Expansion] {
        var result: [Expansion] = []
        var seen = Set<String>()
        if let exact = try snapshot.lookup(word) {
            result.append(Expansion(entry: exact, weight: 1))
            seen.insert(word)
        }
        if allowPrefix {
            var completions: [Snapshot.TermEntry] = []
            var scanned = 0
            try snapshot.scanTerms(from: word) { entry in
                guard entry.term.hasPrefix(word), scanned < 5000 else { return false }
                scanned += 1
                if entry.term != word { completions.append(entry) }
                return true
            }
            completions.sort {
                $0.documentFrequency != $1.documentFrequency
                    ? $0.documentFrequency > $1.documentFrequency : $0.term < $1.term
            }
            for entry in completions.prefix(maximumPrefixExpansions) {
                result.append(Expansion(entry: entry, weight: 0.8))
                seen.insert(entry.term)
            }
        }
        let letters = Array(word.utf8)
        let budget = letters.count >= 9 ? 2 : (letters.count >= 5 ? 1 : 0)
        if budget > 0, let first = word.first {
            try snapshot.scanTerms(from: String(first)) { entry in
                let candidate = Array(entry.term.utf8)
                guard candidate.first == letters.first else { return false }
                if abs(candidate.count - letters.count) <= budget, !seen.contains(entry.term) {
                    let distance = EditDistance.bounded(letters, candidate, limit: budget)
                    if distance <= budget {
                        result.append(Expansion(entry: entry, weight: distance == 1 ? 0.6 : 0.4))
                    }
                }
                return true
            }
        }
        return result
    }
}
