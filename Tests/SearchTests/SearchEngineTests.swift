import Foundation
import MediaModel
import Search
import Snapshots
import TestSupport
import Testing

let netflixUS = Offer(country: "US", service: "netflix", monetization: .subscription)
let netflixGB = Offer(country: "GB", service: "netflix", monetization: .subscription)
let rentUS = Offer(country: "US", service: "apple-tv-store", monetization: .rent)

func count(_ value: String, _ count: Int) -> SearchResults.FacetCount {
    SearchResults.FacetCount(value: value, count: count)
}

let catalog: [CanonicalTitle] = [
    makeTitle(
        "mg01",
        "The Godfather",
        year: 1972,
        genres: [.crime, .drama],
        directors: ["Francis Ford Coppola"],
        offers: [netflixGB, rentUS]
    ),
    makeTitle(
        "mg02",
        "The Godfather Part II",
        year: 1974,
        genres: [.crime, .drama],
        directors: ["Francis Ford Coppola"],
        offers: [netflixUS]
    ),
    makeTitle(
        "mg03",
        "Finding Nemo",
        year: 2003,
        genres: [.animation, .family],
        overview: "A clownfish searches the ocean for his son."
    ),
    makeTitle(
        "mg04",
        "Alien",
        year: 1979,
        genres: [.horror, .scienceFiction],
        directors: ["Ridley Scott"],
        offers: [netflixUS]
    ),
    makeTitle(
        "mg05",
        "Aliens",
        year: 1986,
        genres: [.action, .scienceFiction],
        directors: ["James Cameron"],
        offers: [rentUS]
    ),
    makeTitle("mg06", "Breaking Bad", year: 2008, kind: .series, genres: [.crime, .drama], offers: [netflixUS]),
    makeTitle("mg07", "Apocalypse Now", year: 1979, genres: [.war, .drama], directors: ["Francis Ford Coppola"]),
    makeTitle("mg08", "Interstellar", year: 2014, genres: [.scienceFiction], directors: ["Christopher Nolan"]),
    makeTitle("mg09", "Twin A", year: 2000),
    makeTitle("mg10", "Twin B", year: 2000),
]

@Suite struct SearchEngineTests {
    static let engine: SearchEngine = {
        SearchEngine(snapshot: try! Snapshot(path: try! writeSnapshot(catalog)))
    }()

    func ids(_ text: String, _ filters: SearchFilters = SearchFilters(), limit: Int = 10, offset: Int = 0) throws
        -> [String]
    {
        try Self.engine.search(SearchQuery(text: text, filters: filters, limit: limit, offset: offset)).hits.map(\.id)
    }

    @Test func shorterExactTitleRanksFirst() throws {
        #expect(try ids("godfather").prefix(2) == ["mg01", "mg02"])
        #expect(try ids("alien").first == "mg04")
    }

    @Test func documentsMatchingMoreWordsRankFirst() throws {
        #expect(try ids("coppola apocalypse").first == "mg07")
    }

    @Test func lastWordMatchesAsPrefix() throws {
        #expect(try ids("interst") == ["mg08"])
        #expect(try ids("finding ne").first == "mg03")
        // A word followed by a space is complete: no prefix expansion.
        #expect(try ids("interst ").isEmpty)
    }

    @Test func oneLetterDoesNotExpandAsAPrefix() throws {
        // "Twin A" and Nemo's overview ("A clownfish…") have the term "a"; Alien, Aliens and
        // Apocalypse Now must not come with them.
        #expect(Set(try ids("a")) == ["mg09", "mg03"])
        #expect(try ids("al").prefix(2) == ["mg04", "mg05"])
    }

    @Test func oneTypoIsForgivenFromFiveLetters() throws {
        #expect(try ids("intersteller ").contains("mg08"))  // 1 edit, 12 letters
        #expect(try ids("godfathr ").prefix(2) == ["mg01", "mg02"])
        #expect(try ids("alein ").contains("mg04"))  // transposition counts as one edit
    }

    @Test func shortWordsGetNoTypoBudget() throws {
        #expect(try ids("nemp ").isEmpty)  // 4 letters: exact only
    }

    @Test func twoTyposNeedNineLetters() throws {
        #expect(try ids("intersteler ").contains("mg08"))  // 11 letters, 2 edits
        #expect(try ids("godfathxx ").contains("mg01"))  // 9 letters, 2 edits
        #expect(try ids("clwnfsh ").isEmpty)  // 7 letters, 2 edits: too many
    }

    @Test func overviewAndPeopleAreSearchable() throws {
        #expect(try ids("clownfish").first == "mg03")
        #expect(try ids("ridley scott").first == "mg04")
    }

    @Test func filtersNarrowByFacet() throws {
        var filters = SearchFilters()
        filters.kinds = [.series]
        #expect(try ids("", filters) == ["mg06"])
        filters = SearchFilters()
        filters.genres = [.scienceFiction]
        filters.yearFrom = 1980
        #expect(try ids("", filters) == ["mg05", "mg08"])
        filters = SearchFilters()
        filters.yearFrom = 1972
        filters.yearTo = 1974
        #expect(try ids("godfather", filters) == ["mg01", "mg02"])
    }

    @Test func offerFiltersMustHoldForOneAndTheSameOffer() throws {
        var filters = SearchFilters()
        filters.countries = ["US"]
        filters.services = ["netflix"]
        // mg01 is on Netflix (in GB) and in the US (to rent) but not on Netflix in the US.
        #expect(try ids("godfather", filters) == ["mg02"])
        filters.monetizations = [.rent]
        #expect(try ids("godfather", filters).isEmpty)
    }

    @Test func pagesDoNotOverlapAndTotalCountsAll() throws {
        let all = try ids("coppola", limit: 10)
        #expect(all.count == 3)
        let first = try ids("coppola", limit: 2)
        let second = try ids("coppola", limit: 2, offset: 2)
        #expect(first + second == all)
        #expect(try Self.engine.search(SearchQuery(text: "coppola", limit: 1)).total == 3)
    }

    @Test func tiesBreakByIDDeterministically() throws {
        #expect(try ids("twin") == ["mg09", "mg10"])
        #expect(try ids("twin") == ids("twin"))
    }

    @Test func facetsCountOverAllMatchesNotJustThePage() throws {
        var query = SearchQuery(text: "coppola", limit: 1)
        query.facets = [.genre, .service]
        let results = try Self.engine.search(query)
        #expect(results.hits.count == 1)
        #expect(results.facets[.genre] == [count("drama", 3), count("crime", 2), count("war", 1)])
        #expect(results.facets[.service] == [count("netflix", 2), count("apple-tv-store", 1)])
    }

    @Test func facetsCountTheFilteredSetWhenBrowsing() throws {
        var filters = SearchFilters()
        filters.genres = [.scienceFiction]
        var query = SearchQuery(text: "", filters: filters)
        query.facets = [.year]
        let counts = try Self.engine.search(query).facets[.year] ?? []
        #expect(counts == [count("1979", 1), count("1986", 1), count("2014", 1)])
    }

    @Test func unknownWordsMatchNothing() throws {
        let results = try Self.engine.search(SearchQuery(text: "qqqqqq zzzzzz"))
        #expect(results.total == 0 && results.hits.isEmpty)
    }
}

@Suite struct CommonWordTests {
    static let engine: SearchEngine = {
        var titles = (0..<1200).map { makeTitle(String(format: "mg%05d", $0), "The Film \($0)", year: 2000) }
        titles.append(makeTitle("mgzzzzz", "The Godfather", year: 1972))
        return SearchEngine(snapshot: try! Snapshot(path: try! writeSnapshot(titles)))
    }()

    @Test func commonWordOnlyRanksTitlesARarerWordMatched() throws {
        let results = try Self.engine.search(SearchQuery(text: "the godfather"))
        #expect(results.total == 1)
        #expect(results.hits.map(\.id) == ["mgzzzzz"])
        // "the" still counts towards the score of the titles it does rank.
        let alone = try Self.engine.search(SearchQuery(text: "godfather"))
        #expect(results.hits[0].score > alone.hits[0].score)
    }

    @Test func aCommonWordIsCommonInASmallCatalogToo() throws {
        // 5% of 300 titles is 15; "the" is in 100 of them: "the matrix" is one title, not 100.
        var titles = (0..<299).map { makeTitle(String(format: "mg%05d", $0), ($0 < 99 ? "The " : "") + "Film \($0)") }
        titles.append(makeTitle("mgzzzzz", "The Matrix", year: 1999))
        let engine = SearchEngine(snapshot: try Snapshot(path: try writeSnapshot(titles)))
        let results = try engine.search(SearchQuery(text: "the matrix"))
        #expect(results.total == 1)
        #expect(results.hits.map(\.id) == ["mgzzzzz"])
    }

    @Test func aQueryOfOnlyCommonWordsStillMatchesEverything() throws {
        #expect(try Self.engine.search(SearchQuery(text: "the ")).total == 1201)
        #expect(try Self.engine.search(SearchQuery(text: "the film ")).total == 1201)
    }
}
