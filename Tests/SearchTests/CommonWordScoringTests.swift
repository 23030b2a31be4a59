import Foundation
import MediaModel
import Search
import Snapshots
import TestSupport
import Testing

/// Common words are scored on a query's candidates from per-title frequency arrays instead of
/// by walking their postings; these tests hold that shortcut to the exhaustive walk's answers.
@Suite struct CommonWordScoringTests {
    /// 3,000 generated titles over a Zipf-like vocabulary: the first words are in most titles
    /// (common), the tail in a few (rare), so queries mix both as real descriptions do.
    static let snapshot: Snapshot = {
        var random = SplitMix64(seed: 7)
        let vocabulary = (0..<600).map { "w\($0)" }
        func word() -> String {
            // Cubing a uniform draw favours small ranks: the first words land in most overviews.
            let u = Double(random.next() % 1_000_000) / 1_000_000
            return vocabulary[Int(u * u * u * Double(vocabulary.count))]
        }
        let genres: [Genre] = [.drama, .comedy, .horror, .documentary]
        let titles = (0..<3000).map { index in
            makeTitle(
                String(format: "mg%05d", index),
                (0..<Int(1 + random.next() % 3)).map { _ in word() }.joined(separator: " "),
                year: 1950 + Int(random.next() % 70),
                genres: [genres[Int(random.next() % 4)]],
                directors: ["d\(random.next() % 300) x\(random.next() % 40)"],
                overview: (0..<Int(8 + random.next() % 30)).map { _ in word() }.joined(separator: " ")
            )
        }
        return try! Snapshot(path: try! writeSnapshot(titles))
    }()

    static let arrays = SearchEngine(snapshot: snapshot)
    static let walk = SearchEngine(snapshot: snapshot, commonTermBytes: 0)

    /// Random queries of 1 to 14 words, some ending inside a word (a prefix), some with a year,
    /// some filtered, some paged.
    static func queries(_ count: Int) -> [SearchQuery] {
        var random = SplitMix64(seed: 11)
        return (0..<count).map { index in
            var words = (0..<Int(1 + random.next() % 14)).map { _ in
                let u = Double(random.next() % 1_000_000) / 1_000_000
                return "w\(Int(u * u * 600))"
            }
            if index % 5 == 0 { words.insert(String(1950 + Int(random.next() % 70)), at: 0) }
            var query = SearchQuery(text: words.joined(separator: " ") + (index % 3 == 0 ? "" : " "))
            if index % 4 == 0 { query.filters.genres = [.drama, .comedy] }
            query.limit = 10
            query.offset = index % 7 == 0 ? 10 : 0
            return query
        }
    }

    @Test func candidateScoringGivesTheExhaustiveAnswers() throws {
        try Self.arrays.warm()
        for query in Self.queries(400) {
            let fast = try Self.arrays.search(query)
            let exhaustive = try Self.walk.search(query)
            #expect(fast.total == exhaustive.total, "\(query.text)")
            #expect(fast.hits.map(\.id) == exhaustive.hits.map(\.id), "\(query.text)")
            #expect(fast.hits.map(\.score) == exhaustive.hits.map(\.score), "\(query.text)")
        }
    }

    @Test func explainedScoresAgreeToo() throws {
        for var query in Self.queries(60) {
            query.explain = true
            let fast = try Self.arrays.search(query)
            let exhaustive = try Self.walk.search(query)
            #expect(fast.hits.map(\.explanation) == exhaustive.hits.map(\.explanation), "\(query.text)")
        }
    }

    @Test func theGeneratedCatalogHasCommonAndRareWords() throws {
        let common = try #require(try Self.snapshot.lookup("w0"))
        let rare = try #require(try Self.snapshot.lookup("w500"))
        #expect(common.documentFrequency > Self.snapshot.documentCount / 20)
        #expect(rare.documentFrequency < Self.snapshot.documentCount / 32)
    }
}
