import Foundation
import MediaModel
import Snapshots
import TestSupport
import Testing

@testable import Search

/// The ranking rules one by one: each test also turns its rule off (a tuning constant) and
/// shows the ranking it prevents.
@Suite struct RankingTests {
    /// A snapshot of `titles` with the given 3-d vectors (titles without one get a far one).
    static func engine(_ titles: [CanonicalTitle], vectors: [String: [Float]] = [:]) throws -> SearchEngine {
        var all = vectors
        for title in titles where all[title.id] == nil { all[title.id] = [0, 0, 1] }
        let path = try writeSnapshot(titles, vectors: EmbeddedVectors(modelID: "m", dimension: 3, byTitleID: all))
        return SearchEngine(snapshot: try Snapshot(path: path))
    }

    static func results(
        _ engine: SearchEngine,
        _ text: String,
        vector: [Float]? = nil,
        mode: SearchMode = .lexical,
        limit: Int = 10,
        _ change: (inout RankingTuning) -> Void = { _ in }
    ) throws -> SearchResults {
        var query = SearchQuery(text: text, limit: limit)
        query.mode = mode
        query.vector = vector
        change(&query.tuning)
        return try engine.search(query)
    }

    /// The `scorsese` case: five lexical matches must not become a hundred because every title
    /// has some nearest neighbour.
    @Test func hybridDoesNotPadAConfidentLexicalAnswerWithWeakNeighbours() throws {
        var titles = (1...3).map { makeTitle("mg\($0)", "Film \($0)", directors: ["Martin Scorsese"]) }
        titles += (4...23).map { makeTitle("mg\($0)", "Other \($0)") }
        var vectors: [String: [Float]] = [:]
        for index in 4...23 { vectors["mg\(index)"] = [0.45, 0.89, 0] }  // cosine 0.45 with the query
        vectors["mg4"] = [0.9, 0.44, 0]  // cosine 0.9: a real neighbour
        let engine = try Self.engine(titles, vectors: vectors)
        let hybrid = try Self.results(engine, "scorsese", vector: [1, 0, 0], mode: .hybrid)
        #expect(hybrid.total == 4)
        #expect(hybrid.hits.prefix(3).map(\.id).sorted() == ["mg1", "mg2", "mg3"])
        #expect(hybrid.hits.map(\.id).last == "mg4")
        // Without the rule every weak neighbour is a match.
        let padded = try Self.results(engine, "scorsese", vector: [1, 0, 0], mode: .hybrid) { $0.paddingSimilarity = 0 }
        #expect(padded.total == 23)
        // A query no title matches every word of is not confident: neighbours are its answer.
        let loose = try Self.results(engine, "scorsese nobody", vector: [1, 0, 0], mode: .hybrid)
        #expect(loose.total == 23)
    }

    /// The quickstart's `scorsese&country=US&monetization=subscription`: when the filters leave
    /// none of a name's matches, the answer is none, not every filtered title the vectors find.
    @Test func aNameWhoseMatchesTheFiltersExcludeIsNotAnsweredWithWeakNeighbours() throws {
        var titles = (1...3).map {
            makeTitle("mg\($0)", "Film \($0)", genres: [.crime], directors: ["Martin Scorsese"])
        }
        titles += (4...23).map { makeTitle("mg\($0)", "Other \($0)", genres: [.comedy]) }
        var vectors: [String: [Float]] = [:]
        for index in 4...23 { vectors["mg\(index)"] = [0.45, 0.89, 0] }  // cosine 0.45 with the query
        vectors["mg4"] = [0.9, 0.44, 0]  // a real neighbour
        let engine = try Self.engine(titles, vectors: vectors)
        func comedies(_ text: String) throws -> SearchResults {
            var query = SearchQuery(text: text, limit: 10)
            query.vector = [1, 0, 0]
            query.filters.genres = [.comedy]
            return try engine.search(query)
        }
        let filtered = try comedies("scorsese")
        #expect(filtered.total == 1)
        #expect(filtered.hits.map(\.id) == ["mg4"])
        // A query no title matches every word of, filters aside, still gets the neighbours.
        #expect(try comedies("scorsese nobody").total == 20)
    }

    /// A title-only document (no overview) named exactly by the query outranks documents whose
    /// text uses the word, in lexical and hybrid ranking, though the vectors prefer the text.
    @Test func anExactTitleOutranksTextThatMentionsTheWord() throws {
        let titles = [
            makeTitle("mg1", "Summer Story", overview: "A heat wave. The heat rises, heat everywhere in a long story."),
            makeTitle("mg2", "Heat", year: 1995),
            makeTitle("mg3", "Winter Tale", overview: "Cold and heat."),
        ]
        let engine = try Self.engine(
            titles,
            vectors: ["mg1": [0.6, 0.8, 0], "mg3": [0.5, 0.87, 0], "mg2": [0.45, 0.89, 0]]
        )
        #expect(try Self.results(engine, "heat").ids.first == "mg2")
        #expect(try Self.results(engine, "heat", vector: [1, 0, 0], mode: .hybrid).ids.first == "mg2")
        // All lexical weight moved to the vectors, the text that is nearer wins.
        let semantic = try Self.results(engine, "heat", vector: [1, 0, 0], mode: .hybrid) { $0.lexicalWeightShort = 0 }
            .ids
        #expect(semantic.first == "mg1")
    }

    /// A description finds the title whose text it describes before a title-only document
    /// whose short vector (little more than a name) happens to lie a little nearer.
    @Test func aDescriptionPrefersTitlesWithTextOverTitleOnlyDocuments() throws {
        let titles = [
            makeTitle("mg1", "Nameless"),
            makeTitle("mg2", "The Long Voyage", overview: "Crews drift between stars, homesick."),
        ]
        let engine = try Self.engine(titles, vectors: ["mg1": [0.8, 0.6, 0], "mg2": [0.75, 0.66, 0]])
        let query = "lost sailors far from earth searching for a way back"
        #expect(try Self.results(engine, query, vector: [1, 0, 0], mode: .hybrid).ids.first == "mg2")
        #expect(
            try Self.results(engine, query, vector: [1, 0, 0], mode: .hybrid) { $0.textlessPenalty = 0 }.ids.first
                == "mg1"
        )
        // A name-like query is not a description: the title-only document keeps its place.
        #expect(try Self.results(engine, "nameless", vector: [1, 0, 0], mode: .hybrid).ids.first == "mg1")
    }

    /// Long queries rank by score scaled by the share of words matched, not by the count first:
    /// two rare title words beat three words that nearly every title has.
    @Test func longQueriesRankByScoreNotByWordsMatched() throws {
        var titles = [
            makeTitle("mg1", "Zephyr Quokka"),
            makeTitle("mg2", "Plain", overview: "alpha beta gamma"),
        ]
        titles += (3...10).map { makeTitle("mg\($0)", "Filler \($0)", overview: "alpha beta gamma delta") }
        let engine = try Self.engine(titles)
        let query = "zephyr quokka alpha beta gamma"
        #expect(try Self.results(engine, query).ids.first == "mg1")
        #expect(try Self.results(engine, query) { $0.coordinationWords = 10 }.ids.first == "mg2")
    }

    @Test func sentencesDropFunctionWordsShortTitlesKeepThem() throws {
        let titles = [
            makeTitle("mg1", "You and Me"),
            makeTitle("mg2", "Lighthouse", overview: "A keeper alone at sea."),
        ]
        let engine = try Self.engine(titles)
        let sentence = "how can you find the lonely keeper of the lighthouse"
        #expect(try Self.results(engine, sentence).total == 1)
        #expect(try Self.results(engine, sentence) { $0.stopwordQueryWords = 0 }.total == 2)
        #expect(try Self.results(engine, "you and me").ids == ["mg1"])
    }

    @Test func aYearAmongOtherWordsPrefersTitlesOfThatYear() throws {
        let titles = [
            makeTitle("mg1", "Heat", year: 1986),
            makeTitle("mg2", "Heat", year: 1995),
            makeTitle("mg3", "Heat Wave", year: 1996),
        ]
        let engine = try Self.engine(titles)
        #expect(try Self.results(engine, "heat").ids == ["mg1", "mg2", "mg3"])
        // One year off counts a little too: a festival year against a release year.
        #expect(try Self.results(engine, "heat 1995").ids == ["mg2", "mg3", "mg1"])
        #expect(try Self.results(engine, "heat 1995") { $0.yearBoost = 1 }.ids == ["mg1", "mg2", "mg3"])
        // A year that is a title word is still matched as a word.
        let odyssey = try Self.engine([
            makeTitle("mg1", "2001: A Space Odyssey", year: 1968), makeTitle("mg2", "Space", year: 2001),
        ])
        #expect(try Self.results(odyssey, "2001 space").ids.first == "mg1")
    }

    /// Hybrid with a year: the year scales the combined score, so the vector of another film of
    /// the same name (nearer the query, as a title-only vector is to a name) cannot outvote it.
    @Test func aYearScalesTheWholeHybridScore() throws {
        // The 1995 film's overview makes its document longer, so "heat" scores it a little lower.
        let titles = [
            makeTitle("mg1", "Heat", year: 1986),
            makeTitle("mg2", "Heat", year: 1995, overview: "A detective hunts thieves."),
        ]
        let engine = try Self.engine(titles, vectors: ["mg1": [1, 0, 0], "mg2": [0.2, 0.98, 0]])
        let hybrid = try Self.results(engine, "heat 1995", vector: [1, 0, 0], mode: .hybrid)
        #expect(hybrid.ids == ["mg2", "mg1"])
        #expect(try Self.results(engine, "heat", vector: [1, 0, 0], mode: .hybrid).ids == ["mg1", "mg2"])
    }

    /// A description matches some word of nearly every title with text, so the vectors' best
    /// candidate has usually matched a word or two lexically without being among the lexical
    /// best: it must still be a candidate of the hybrid ranking, with both its scores.
    @Test func aNearestTitleThatMatchedFewWordsStaysAHybridCandidate() throws {
        var titles = [makeTitle("mg0", "Target", overview: "a story of alpha")]
        titles += (1...(SearchEngine.fusionDepth + 20)).map {
            makeTitle("mg\($0)", "Filler \($0)", overview: "alpha beta gamma")
        }
        let engine = try Self.engine(titles, vectors: ["mg0": [1, 0, 0]])
        let query = "alpha beta gamma delta epsilon zeta"
        let lexical = try Self.results(engine, query, limit: 100)
        #expect(!lexical.ids.contains("mg0"))  // below the lexical best
        let hybrid = try Self.results(engine, query, vector: [1, 0, 0], mode: .hybrid)
        #expect(hybrid.ids.first == "mg0")
        #expect(hybrid.total == SearchEngine.fusionDepth + 21)
    }

    @Test func singularAndPluralFormsMatchBelowTheExactWord() throws {
        let titles = [
            makeTitle("mg1", "The Witch"),
            makeTitle("mg2", "The Witches"),
            makeTitle("mg3", "Ghost Stories"),
        ]
        let engine = try Self.engine(titles)
        #expect(try Self.results(engine, "witches").ids == ["mg2", "mg1"])
        #expect(try Self.results(engine, "witch").ids == ["mg1", "mg2"])
        #expect(try Self.results(engine, "story").ids == ["mg3"])
        #expect(try Self.results(engine, "witches") { $0.variantWeight = 0 }.ids == ["mg2"])
        #expect(SearchEngine.numberVariants(of: "glass") == ["glasses"])
        #expect(SearchEngine.numberVariants(of: "an").isEmpty)
    }

    @Test func theLexicalShareOfHybridFallsWithQueryLength() throws {
        var tuning = RankingTuning()
        tuning.lexicalWeightShort = 0.8
        tuning.lexicalWeightLong = 0.4
        tuning.longWords = 5
        #expect(tuning.lexicalWeight(words: 1) == 0.8)
        #expect(abs(tuning.lexicalWeight(words: 3) - 0.6) < 1e-9)
        #expect(tuning.lexicalWeight(words: 9) == 0.4)
        #expect(throws: MediaError.self) { try tuning.set("no_such_constant", "1") }
        #expect(throws: MediaError.self) { try tuning.set("year_boost", "-1") }
        #expect(throws: MediaError.self) { try tuning.set("long_words", "1e300") }
        try tuning.set("padding_similarity", "0.7")
        #expect(tuning.paddingSimilarity == 0.7)
    }

    @Test func explainGivesEachPartOfTheScore() throws {
        let titles = [
            makeTitle("mg1", "Heat", year: 1995, directors: ["Michael Mann"], overview: "A detective hunts thieves."),
            makeTitle("mg2", "Thief", year: 1981, directors: ["Michael Mann"]),
        ]
        let engine = try Self.engine(titles, vectors: ["mg1": [0.6, 0.8, 0], "mg2": [1, 0, 0]])
        var query = SearchQuery(text: "heat mann")
        query.mode = .lexical
        query.explain = true
        let lexical = try engine.search(query)
        let first = try #require(lexical.hits.first?.explanation)
        #expect(lexical.hits.first?.id == "mg1")
        #expect(first.wordsMatched == 2 && first.words == 2)
        #expect(first.lexicalScore == lexical.hits.first?.score)
        #expect(
            first.matchedTerms == [
                .init(word: "heat", term: "heat", match: "exact", fields: ["title"]),
                .init(word: "mann", term: "mann", match: "exact", fields: ["people"]),
            ]
        )
        #expect(first.similarity == nil && first.lexicalPart == nil)

        query.mode = .hybrid
        query.vector = [1, 0, 0]
        for hit in try engine.search(query).hits {
            let explanation = try #require(hit.explanation)
            #expect(abs((explanation.lexicalPart ?? 0) + (explanation.semanticPart ?? 0) - hit.score) < 1e-6)
            #expect(explanation.lexicalWeight != nil && explanation.similarity != nil)
        }
        query.mode = .semantic
        let semantic = try engine.search(query)
        #expect(semantic.hits.first?.explanation?.similarity == semantic.hits.first?.score)
        query.explain = false
        #expect(try engine.search(query).hits.allSatisfy { $0.explanation == nil })
    }
}

extension SearchResults {
    /// The hits' title ids, best first.
    var ids: [String] { hits.map(\.id) }
}
