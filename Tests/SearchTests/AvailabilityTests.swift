import Foundation
import MediaModel
import Search
import Snapshots
import TestSupport
import Testing

/// What is leaving, what is new, and date filters that hold for one offer.
@Suite struct AvailabilityTests {
    static func offer(
        _ country: String,
        _ service: String,
        _ monetization: Monetization = .subscription,
        since: String? = nil,
        expires: String? = nil
    ) -> Offer {
        Offer(country: country, service: service, monetization: monetization, availableSince: since, expiresOn: expires)
    }

    static let titles = [
        makeTitle(
            "mg01",
            "Alpha",
            offers: [offer("US", "netflix", expires: "2026-12-20"), offer("DE", "netflix", expires: "2026-12-05")]
        ),
        makeTitle(
            "mg02",
            "Bravo",
            kind: .series,
            offers: [offer("US", "netflix", expires: "2026-12-03T23:59:00Z"), offer("US", "hulu", since: "2026-11-28")]
        ),
        makeTitle("mg03", "Charlie", offers: [offer("US", "netflix", expires: "2027-03-01")]),
        makeTitle(
            "mg04",
            "Delta",
            offers: [
                offer("US", "netflix", since: "2026-11-30", expires: "2026-12-10"),
                offer("US", "netflix", .rent, expires: "2026-12-02"),
            ]
        ),
        makeTitle("mg05", "Echo", offers: [offer("US", "netflix")]),
    ]

    static func engine() throws -> SearchEngine {
        SearchEngine(snapshot: try Snapshot(path: try writeSnapshot(titles)))
    }

    static let december = Day(iso: "2026-12-01")!...Day(iso: "2026-12-31")!

    @Test func daysParseAndPrintAsTheCalendarHasThem() {
        for text in ["1970-01-01", "2024-02-29", "2000-02-29", "1900-03-01", "0001-01-01", "9999-12-31"] {
            #expect(Day(iso: text)?.description == text)
        }
        #expect(Day(iso: "1970-01-02")?.number == 1)
        #expect(Day(iso: "1969-12-31")?.number == -1)
        #expect(Day(iso: "2026-12-03T23:59:00Z") == Day(iso: "2026-12-03"))
        #expect(Day(iso: "2025-02-29")?.description == "2025-03-01", "a day the month lacks rolls over")
        for bad in ["", "2026-13-01", "2026-12", "26-12-01", "2026-12-00", "0000-01-01", "abcd-ef-gh"] {
            #expect(Day(iso: bad) == nil, "\(bad)")
        }
        #expect(Day(Date(timeIntervalSince1970: 86_400 * 3 + 5)).number == 3)
    }

    @Test func leavingIsSoonestFirstEachTitleOnceWithTheOffersThatMatched() throws {
        var filters = SearchFilters()
        filters.countries = ["US"]
        filters.services = ["netflix"]
        filters.expires = Self.december
        let (hits, total) = try Self.engine().availability(filters, order: .soonestExpiry, offset: 0, limit: 10)
        let ids = hits.map { Self.titles[Int($0.doc)].id }
        // Delta's rent offer ends on the 2nd, Bravo's on the 3rd, then Delta's subscription (already
        // listed), Alpha's US offer on the 20th; Charlie ends in March, Echo never.
        #expect(ids == ["mg04", "mg02", "mg01"])
        #expect(total == 3)
        #expect(hits.map(\.day.description) == ["2026-12-02", "2026-12-03", "2026-12-20"])
        #expect(hits[0].offers == [1, 0], "Delta's two matched offers, in expiry order")
        #expect(hits[2].offers == [0], "Alpha's German offer is not in the US")

        // The page and the total; monetization holds for the same offer.
        filters.monetizations = [.subscription]
        let page = try Self.engine().availability(filters, order: .soonestExpiry, offset: 1, limit: 1)
        #expect(page.total == 3 && page.hits.map { Self.titles[Int($0.doc)].id } == ["mg04"])
        #expect(page.hits[0].day.description == "2026-12-10")
        // Title filters narrow the titles.
        filters.kinds = [.series]
        let series = try Self.engine().availability(filters, order: .soonestExpiry, offset: 0, limit: 10)
        #expect(series.hits.map { Self.titles[Int($0.doc)].id } == ["mg02"])
    }

    @Test func newIsNewestFirstWithinTheWindow() throws {
        var filters = SearchFilters()
        filters.availableSince = Day(iso: "2026-11-24")!...Day(iso: "2026-12-01")!
        let (hits, total) = try Self.engine().availability(filters, order: .newestStart, offset: 0, limit: 10)
        #expect(hits.map { Self.titles[Int($0.doc)].id } == ["mg04", "mg02"])
        #expect(total == 2 && hits.map(\.day.description) == ["2026-11-30", "2026-11-28"])
        filters.services = ["hulu"]
        let hulu = try Self.engine().availability(filters, order: .newestStart, offset: 0, limit: 10)
        #expect(hulu.hits.map { Self.titles[Int($0.doc)].id } == ["mg02"])
    }

    @Test func searchDateFiltersHoldForTheSameOfferAsCountryAndService() throws {
        var query = SearchQuery(text: "", limit: 10)
        query.filters.countries = ["DE"]
        query.filters.expires = Day(iso: "2026-12-15")!...Day(iso: "2026-12-31")!
        // Alpha ends on the 20th in the US and the 5th in Germany: no German offer ends late in December.
        #expect(try Self.engine().search(query).hits.isEmpty)
        query.filters.countries = ["US"]
        #expect(try Self.engine().search(query).hits.map(\.id) == ["mg01"])
        query.filters.expires = nil
        query.filters.availableSince = Day(iso: "2026-11-01")!...Day(iso: "2026-11-30")!
        #expect(try Self.engine().search(query).hits.map(\.id) == ["mg02", "mg04"])
        // A window whose start is after its end matches nothing.
        query.filters.availableSince = Day.none...Day.none
        #expect(try Self.engine().search(query).total == 0)
    }

    @Test func sortOrdersEveryMatchByTheFieldWithTiesInIDOrderAndMissingValuesLast() throws {
        let engine = try Self.engine()
        func ids(_ sort: SearchSort, country: String? = nil, text: String = "") throws -> [String] {
            var query = SearchQuery(text: text, limit: 10)
            query.sort = sort
            if let country { query.filters.countries = [country] }
            return try engine.search(query).hits.map(\.id)
        }
        // Earliest matching expiry: Delta (2nd), Bravo (3rd), Alpha (5th in DE), Charlie; Echo has none.
        #expect(try ids(.init(.expires)) == ["mg04", "mg02", "mg01", "mg03", "mg05"])
        // In the US only Alpha's offer ends on the 20th.
        #expect(try ids(.init(.expires), country: "US") == ["mg04", "mg02", "mg01", "mg03", "mg05"])
        #expect(try ids(.init(.expires), country: "DE") == ["mg01"])
        // Descending uses each title's latest matching expiry.
        #expect(try ids(.init(.expires, descending: true)) == ["mg03", "mg01", "mg04", "mg02", "mg05"])
        #expect(try ids(.init(.availableSince, descending: true)) == ["mg04", "mg02", "mg01", "mg03", "mg05"])
        #expect(try ids(.init(.title, descending: true)) == ["mg05", "mg04", "mg03", "mg02", "mg01"])
        // Warmed first (as the daemon does at a swap), the order is the same.
        let warmed = try Self.engine()
        try warmed.warm()
        for sort in [SearchSort(.title), SearchSort(.title, descending: true), SearchSort(.year)] {
            var query = SearchQuery(text: "", limit: 10)
            query.sort = sort
            #expect(try warmed.search(query).hits.map(\.id) == ids(sort), "\(sort)")
        }
        #expect(SearchSort(parsing: "-year") == SearchSort(.year, descending: true))
        #expect(SearchSort(parsing: "-relevance") == nil && SearchSort(parsing: "price") == nil)
    }

    @Test func theOfferFilterAcceptsWhatTheIndexAccepts() {
        let filter = AvailabilityIndex.OfferFilter(countries: ["US"], monetizations: [.rent], expires: Self.december)
        #expect(filter.accepts(Self.titles[3].offers[1]))
        #expect(!filter.accepts(Self.titles[3].offers[0]))
        #expect(!filter.accepts(Self.titles[4].offers[0]))
        #expect(AvailabilityIndex.OfferFilter().isEmpty && !filter.isEmpty)
    }
}
