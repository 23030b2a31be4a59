import MediaModel
import Resolution
import Staging
import Testing

func record(
    _ source: String,
    _ id: String,
    _ title: String,
    year: Int? = 2000,
    kind: TitleKind = .movie,
    ids: ExternalIDs? = nil
) -> SourceRecord {
    var record = SourceRecord(source: source, id: id, kind: kind, title: title)
    record.year = year
    record.externalIDs = ids
    return record
}

@Suite struct KeyMatchResolverTests {
    let resolver = KeyMatchResolver()

    func members(_ catalog: ResolvedCatalog) -> Set<[String]> {
        Set(catalog.titles.map(\.members))
    }

    @Test func sharedExternalIDMergesDespiteDifferentTitles() {
        let catalog = resolver.resolve(
            [
                record("a", "1", "The Godfather", year: 1972, ids: ExternalIDs(imdb: "tt0068646")),
                record("b", "x", "Le Parrain", year: 1972, ids: ExternalIDs(imdb: "tt0068646")),
            ],
            identity: IdentityMap()
        )
        #expect(members(catalog) == [["a:1", "b:x"]])
    }

    @Test func tmdbMovieAndTVNumbersNeverLink() {
        let catalog = resolver.resolve(
            [
                record("a", "1", "Some Film", year: 2011, ids: ExternalIDs(tmdbMovie: 1399)),
                record("b", "2", "Game of Thrones", year: 2011, kind: .series, ids: ExternalIDs(tmdbTV: 1399)),
            ],
            identity: IdentityMap()
        )
        #expect(catalog.titles.count == 2)
    }

    @Test func sameNormalizedTitleYearAndKindMerge() {
        let catalog = resolver.resolve(
            [
                record("a", "1", "The Lord of the Rings: The Two Towers"),
                record("b", "2", "lord of the rings - the two towers"),
            ],
            identity: IdentityMap()
        )
        #expect(catalog.titles.count == 1)
    }

    @Test(arguments: [
        (record("b", "2", "Solaris", year: 2002), "remake in another year"),
        (record("b", "2", "Solaris", year: 1972, kind: .series), "series of the same name"),
        (record("b", "2", "Solaris", year: nil), "no year to confirm"),
    ])
    func lookalikesStayApart(other: SourceRecord, why: String) {
        let catalog = resolver.resolve([record("a", "1", "Solaris", year: 1972), other], identity: IdentityMap())
        #expect(catalog.titles.count == 2, "\(why)")
    }

    @Test func sameInputGivesSameIDsInAFreshDatabase() {
        let input = [record("a", "1", "Alien", year: 1979), record("a", "2", "Aliens", year: 1986)]
        let first = resolver.resolve(input, identity: IdentityMap())
        let second = resolver.resolve(input.reversed(), identity: IdentityMap())
        #expect(first.titles.map(\.id) == second.titles.map(\.id))
    }

    @Test func addingASourceDoesNotRenumberExistingTitles() {
        let first = resolver.resolve(
            [record("b", "9", "Alien", year: 1979), record("b", "8", "Aliens", year: 1986)],
            identity: IdentityMap()
        )
        // "a:0" sorts before every existing key; the Alien cluster must still keep its id.
        let second = resolver.resolve(
            [
                record("a", "0", "Alien", year: 1979), record("b", "9", "Alien", year: 1979),
                record("b", "8", "Aliens", year: 1986),
            ],
            identity: first.identity
        )
        #expect(Set(first.titles.map(\.id)) == Set(second.titles.map(\.id)))
        #expect(second.titles.first { $0.title == "Alien" }?.members == ["a:0", "b:9"])
    }

    @Test func mergingClustersKeepsOneIDAndAliasesTheOther() {
        let first = resolver.resolve(
            [record("a", "1", "Alien", year: 1979), record("b", "1", "Alien Legacy", year: 1979)],
            identity: IdentityMap()
        )
        #expect(first.titles.count == 2)
        let linked = resolver.resolve(
            [
                record("a", "1", "Alien", year: 1979, ids: ExternalIDs(imdb: "tt0078748")),
                record("b", "1", "Alien Legacy", year: 1979, ids: ExternalIDs(imdb: "tt0078748")),
            ],
            identity: first.identity
        )
        #expect(linked.titles.count == 1)
        let survivor = linked.titles[0].id
        let retired = Set(first.titles.map(\.id)).subtracting([survivor])
        #expect(retired.count == 1)
        #expect(Set(first.titles.map(\.id)).contains(survivor))
        #expect(linked.identity.aliases[retired.first!] == survivor)
    }

    @Test func splitKeepsTheIDWithTheLargerPart() {
        let imdb = ExternalIDs(imdb: "tt0000001")
        let merged = resolver.resolve(
            [
                record("a", "1", "Twin", ids: imdb), record("b", "1", "Twin", ids: imdb),
                record("c", "1", "Other Name", ids: imdb),
            ],
            identity: IdentityMap()
        )
        #expect(merged.titles.count == 1)
        let id = merged.titles[0].id
        let split = resolver.resolve(
            [record("a", "1", "Twin", ids: imdb), record("b", "1", "Twin", ids: imdb), record("c", "1", "Other Name")],
            identity: merged.identity
        )
        #expect(split.titles.count == 2)
        #expect(split.titles.first { $0.members == ["a:1", "b:1"] }?.id == id)
        #expect(split.titles.first { $0.members == ["c:1"] }?.id != id)
    }

    @Test func mergePrefersTheFullerRecordAndUnionsOffers() {
        var metadata = record("wikidata", "Q1", "Alien", year: 1979, ids: ExternalIDs(imdb: "tt0078748"))
        metadata.overview = "In space no one can hear you scream."
        metadata.directors = ["Ridley Scott"]
        var offers = record("offers", "tt0078748", "ALIEN", year: 1979, ids: ExternalIDs(imdb: "tt0078748"))
        offers.offers = [
            Offer(country: "US", service: "max", monetization: .subscription),
            Offer(country: "US", service: "max", monetization: .subscription),
            Offer(country: "GB", service: "netflix", monetization: .subscription),
        ]
        let title = resolver.resolve([offers, metadata], identity: IdentityMap()).titles[0]
        #expect(title.title == "Alien")
        #expect(title.fieldSources["title"] == "wikidata:Q1")
        #expect(title.overview == "In space no one can hear you scream.")
        #expect(title.offers.count == 2)
        #expect(title.members == ["offers:tt0078748", "wikidata:Q1"])
    }
}
