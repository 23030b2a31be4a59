import Foundation
import Snapshots
import Synchronization

/// Reuses accumulators across queries: allocating and zeroing three arrays the size of the
/// catalog per query costs more than the query itself on large snapshots.
final class AccumulatorPool: Sendable {
    private let documentCount: Int
    private let spare = Mutex<[ScoreAccumulator]>([])

    init(documentCount: Int) {
        self.documentCount = documentCount
    }

    func take() -> ScoreAccumulator {
        spare.withLock { $0.popLast() } ?? ScoreAccumulator(documentCount: documentCount)
    }

    /// Returns an accumulator after clearing what the query touched; keeps a few for reuse.
    func give(_ accumulator: inout ScoreAccumulator) {
        accumulator.reset()
        let returned = accumulator
        spare.withLock { if $0.count < 8 { $0.append(returned) } }
        accumulator = ScoreAccumulator(documentCount: 0)
    }
}

/// Per-document scores for one query: the best expansion of each word counts once, and the
/// number of words matched ranks before the score.
struct ScoreAccumulator: Sendable {
    private var scores: [Float]
    private var wordScores: [Float]
    private var matchedWords: [UInt8]
    private var touchedThisWord: [UInt32] = []
    private var touched: [UInt32] = []
    /// Scratch for one term's decoded postings, kept across terms and queries.
    private var postingDocs: [UInt32] = []
    private var postingFrequencies: [UInt8] = []

    init(documentCount: Int) {
        scores = Array(repeating: 0, count: documentCount)
        wordScores = Array(repeating: 0, count: documentCount)
        matchedWords = Array(repeating: 0, count: documentCount)
    }

    /// Records a candidate score for `doc` for the current word; the best one is kept.
    mutating func offer(_ doc: UInt32, _ score: Float) {
        let index = Int(doc)
        if wordScores[index] == 0 {
            touchedThisWord.append(doc)
        }
        if score > wordScores[index] { wordScores[index] = score }
    }

    /// Scores the postings of `entry`, each posting's weight `weight · tf / (tf + norm)`: only
    /// documents in `filter`, and with `onlyExisting` only documents an earlier word matched.
    mutating func addPostings(
        of entry: Snapshot.TermEntry,
        in snapshot: Snapshot,
        weight: Float,
        norms: UnsafeBufferPointer<Float>,
        filter: DocumentSet?,
        onlyExisting: Bool
    ) throws {
        try snapshot.postings(entry, docs: &postingDocs, frequencies: &postingFrequencies)
        for index in 0..<postingDocs.count {
            let doc = postingDocs[index]
            if let filter, !filter.contains(doc) { continue }
            if onlyExisting && matchedWords[Int(doc)] == 0 { continue }
            let tf = Float(postingFrequencies[index])
            offer(doc, weight * tf / (tf + norms[Int(doc)]))
        }
    }

    /// Scores a term for the documents earlier words matched, reading each one's frequency from
    /// `frequencies` (one byte per document) instead of walking the term's postings. Gives the
    /// same scores as `addPostings(…, onlyExisting: true)`: matched documents already passed
    /// the filter.
    mutating func addMatched(frequencies: [UInt8], weight: Float, norms: UnsafeBufferPointer<Float>) {
        frequencies.withUnsafeBufferPointer { frequencies in
            for index in 0..<touched.count {
                let doc = touched[index]
                let count = frequencies[Int(doc)]
                guard count != 0 else { continue }
                let tf = Float(count)
                offer(doc, weight * tf / (tf + norms[Int(doc)]))
            }
        }
    }

    /// Calls `body` with every matched document, in no particular order.
    func forEachMatched(_ body: (UInt32) -> Void) {
        for doc in touched { body(doc) }
    }

    /// The summed score of `doc` (0 when it did not match).
    func score(_ doc: UInt32) -> Float {
        scores[Int(doc)]
    }

    /// How many query words matched `doc`.
    func matchedWordCount(_ doc: UInt32) -> Int {
        Int(matchedWords[Int(doc)])
    }

    /// Whether some document matched all `words` query words.
    func someDocumentMatchedAll(_ words: Int) -> Bool {
        touched.contains { Int(matchedWords[Int($0)]) == words }
    }

    /// Whether an earlier word matched `doc`.
    func hasMatched(_ doc: UInt32) -> Bool {
        matchedWords[Int(doc)] != 0
    }

    /// Folds the current word's best scores into the totals.
    mutating func finishWord(_ position: Int) {
        for doc in touchedThisWord {
            let index = Int(doc)
            if matchedWords[index] == 0 { touched.append(doc) }
            scores[index] += wordScores[index]
            matchedWords[index] &+= 1
            wordScores[index] = 0
        }
        touchedThisWord.removeAll(keepingCapacity: true)
    }

    var matchedCount: Int { touched.count }

    /// Zeroes only what the last query touched.
    mutating func reset() {
        for doc in touched {
            scores[Int(doc)] = 0
            matchedWords[Int(doc)] = 0
        }
        touched.removeAll(keepingCapacity: true)
        touchedThisWord.removeAll(keepingCapacity: true)
    }

    /// Multiplies each matched document's score by `factor(doc)`.
    mutating func scale(_ factor: (UInt32) -> Float) {
        for doc in touched { scores[Int(doc)] *= factor(doc) }
    }

    /// How matches are ordered: by words matched first (`coordinated`), or by score times the
    /// share of the query's `words` matched to the power `coveragePower`.
    struct Ranking {
        var words: Int
        var coordinated: Bool
        var coveragePower: Float
    }

    /// The best `count` documents in `ranking`'s order, ties by lowest doc.
    func top(_ count: Int, _ ranking: Ranking) -> [(doc: UInt32, score: Float)] {
        let words = Float(max(ranking.words, 1))
        // The coverage factor of each possible number of matched words, computed once.
        let coverage = (0...Int(UInt8.max)).map { pow(Float($0) / words, ranking.coveragePower) }
        func key(_ index: Int) -> Float {
            ranking.coveragePower == 0 ? scores[index] : scores[index] * coverage[Int(matchedWords[index])]
        }
        func precedes(_ a: UInt32, _ b: UInt32) -> Bool {
            let (ia, ib) = (Int(a), Int(b))
            if ranking.coordinated {
                if matchedWords[ia] != matchedWords[ib] { return matchedWords[ia] > matchedWords[ib] }
                if scores[ia] != scores[ib] { return scores[ia] > scores[ib] }
                return a < b
            }
            let (ka, kb) = (key(ia), key(ib))
            return ka != kb ? ka > kb : a < b
        }
        guard count > 0 else { return [] }
        // A bounded heap whose root is the worst kept document.
        var heap: [UInt32] = []
        heap.reserveCapacity(count)
        func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var worst = parent
                if left < heap.count, precedes(heap[worst], heap[left]) { worst = left }
                if right < heap.count, precedes(heap[worst], heap[right]) { worst = right }
                if worst == parent { return }
                heap.swapAt(parent, worst)
                parent = worst
            }
        }
        for doc in touched {
            if heap.count < count {
                heap.append(doc)
                var child = heap.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard precedes(heap[parent], heap[child]) else { break }
                    heap.swapAt(parent, child)
                    child = parent
                }
            } else if precedes(doc, heap[0]) {
                heap[0] = doc
                siftDown(0)
            }
        }
        return heap.sorted(by: precedes).map { ($0, scores[Int($0)]) }
    }
}
