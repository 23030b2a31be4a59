import MediaModel
import Testing

@testable import Resolution

@Suite struct TitleMergerTests {
    func record(_ source: String, _ title: String, overview: String? = nil, updated: String? = nil) -> SourceRecord {
        var record = SourceRecord(source: source, id: "1", kind: .movie, title: title)
        record.overview = overview
        record.updatedAt = updated
        record.year = 1979
        return record
    }

    @Test func sourcePriorityThenFreshnessDecidesEachField() {
        var policy = MergePolicy()
        policy.priority = ["default": ["b", "a"], "title": ["a"]]
        let records = [
            record("a", "Alien", updated: "2026-01-01"), record("b", "ALIEN", updated: "2025-01-01"),
            record("c", "Alien (1979)", updated: "2026-11-01"),
        ]
        var withYears = records
        withYears[0].runtimeMinutes = 117
        withYears[1].runtimeMinutes = 116
        withYears[2].runtimeMinutes = 118
        let title = TitleMerger.merge(withYears, id: "x", policy: policy)
        #expect(title.title == "Alien")
        #expect(title.fieldSources["title"] == "a:1")
        #expect(title.runtimeMinutes == 116)
        #expect(title.fieldSources["runtimeMinutes"] == "b:1")
        // Among sources the policy does not rank, the freshest wins.
        policy.priority = [:]
        #expect(TitleMerger.merge(withYears, id: "x", policy: policy).runtimeMinutes == 118)
    }

    @Test func theLongestOverviewThatIsNotCutOffWins() {
        let records = [
            record("a", "Alien", overview: "A crew meets a creature."),
            record(
                "b",
                "Alien",
                overview: "The crew of a commercial spaceship answers a distress call and meets a creature that…"
            ),
            record(
                "c",
                "Alien",
                overview: "The crew of the Nostromo answers a distress call and meets a deadly creature."
            ),
        ]
        let title = TitleMerger.merge(records, id: "x")
        #expect(title.overview == records[2].overview)
        #expect(title.fieldSources["overview"] == "c:1")
    }

    @Test func genresAreUnionedThenCappedByAgreement() {
        var records = [record("a", "Alien"), record("b", "Alien"), record("c", "Alien")]
        records[0].genres = [.horror, .scienceFiction, .thriller]
        records[1].genres = [.horror, .scienceFiction]
        records[2].genres = [.horror, .action]
        var policy = MergePolicy()
        policy.genresCap = 2
        #expect(TitleMerger.merge(records, id: "x", policy: policy).genres == [.horror, .scienceFiction])
        #expect(TitleMerger.merge(records, id: "x").genres == [.action, .horror, .scienceFiction, .thriller])
    }

    @Test func duplicateOffersMergeFillingWhatTheBestReportLacks() {
        var records = [record("a", "Alien"), record("b", "Alien")]
        var first = Offer(country: "US", service: "netflix", monetization: .subscription)
        first.quality = .hd
        var second = first
        second.expiresOn = "2026-12-31"
        second.deepLink = "nflx://title/1"
        records[0].offers = [first]
        records[1].offers = [second]
        let offers = TitleMerger.merge(records, id: "x").offers
        #expect(offers.count == 1)
        #expect(offers[0].expiresOn == "2026-12-31")
        #expect(offers[0].deepLink == "nflx://title/1")
        #expect(offers[0].sources == ["a:1", "b:1"])
    }
}
