import MediaModel
import Snapshots

/// Term frequencies of the catalog's most common terms, one byte per document, built from a
/// term's postings the first time a query needs it and kept for the next.
///
/// A word in more than 5% of titles ("film", "starring") only adds to titles a rarer word of the
/// query already matched. Walking its postings decodes every one of them to score a few hundred
/// candidates; reading its frequency per candidate from this array costs one load each. The
/// scores are the same, computed from the same frequencies: only the walk differs.
final class DenseFrequencies: Sendable {
    /// Bytes of arrays kept; past it an old array is dropped (a query then walks postings).
    let budget: Int
    private let documentCount: Int
    private let arrays: BoundedCache<String, [UInt8]>

    init(documentCount: Int, budget: Int) {
        self.documentCount = documentCount
        self.budget = budget
        arrays = BoundedCache(budget: budget)
    }

    /// Whether a term in `documentFrequency` titles is worth an array: a term in fewer than one
    /// title in 32 costs less to walk than to hold a byte for every title.
    func isWorthKeeping(documentFrequency: Int) -> Bool {
        documentCount >= 64 && documentFrequency >= documentCount / 32 && documentCount <= budget
    }

    /// The frequency of `entry`'s term in every document (0 where it does not occur).
    func frequencies(_ entry: Snapshot.TermEntry, in snapshot: Snapshot) throws -> [UInt8] {
        if let kept = arrays.value(for: entry.term) { return kept }
        var docs: [UInt32] = []
        var counts: [UInt8] = []
        try snapshot.postings(entry, docs: &docs, frequencies: &counts)
        var dense = [UInt8](repeating: 0, count: documentCount)
        for (doc, count) in zip(docs, counts) { dense[Int(doc)] = count }
        arrays.insert(dense, for: entry.term, cost: dense.count)
        return dense
    }

    /// Builds the arrays of the terms in at least `minimumFrequency` titles, most frequent first,
    /// up to half the budget: what a daemon does at a swap so that no request pays for them.
    func warm(_ snapshot: Snapshot, minimumFrequency: Int) throws {
        var common: [Snapshot.TermEntry] = []
        try snapshot.scanTermBytes(from: "") { _, entry in
            let entry = entry()
            if entry.documentFrequency >= minimumFrequency,
                isWorthKeeping(documentFrequency: entry.documentFrequency)
            {
                common.append(entry)
            }
            return true
        }
        common.sort {
            $0.documentFrequency != $1.documentFrequency
                ? $0.documentFrequency > $1.documentFrequency : $0.term < $1.term
        }
        for entry in common.prefix(budget / 2 / max(documentCount, 1)) {
            _ = try frequencies(entry, in: snapshot)
        }
    }
}
