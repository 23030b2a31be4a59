import Foundation
import MediaModel
@testable import QueryServer
import Snapshots
import TestSupport
import Testing

/// `/v1/leaving`, `/v1/new`, `/v1/titles/{id}/offers` and the search's offer-date filters.
@Suite struct AvailabilityRoutesTests {
    static func offer(_ country: String, _ service: String, since: String? = nil, expires: String? = nil) -> Offer {
        Offer(
            country: country,
            service: service,
            monetization: .subscription,
            availableSince: since,
            expiresOn: expires
        )
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
            offers: [offer("US", "netflix", expires: "2026-12-03"), offer("US", "hulu", since: "2026-11-28")]
        ),
        makeTitle(
            "mg03",
            "Charlie",
            offers: [offer("US", "netflix", expires: "2027-03-01"), offer("GB", "bbc-iplayer")]
        ),
    ]

    static func ids(_ json: [String: Any]) -> [String] {
        (json["results"] as? [[String: Any]] ?? []).compactMap { ($0["title"] as? [String: Any])?["id"] as? String }
    }

    @Test func leavingAndNewAnswerInOrderWithTheMatchedOffers() async throws {
        try await withServer(try publishedDirectory(Self.titles)) { _, base in
            let leaving = try await get(base, "/v1/leaving?country=US&service=netflix&on=2026-12-01&within=30d")
            #expect(leaving.status == 200)
            #expect(Self.ids(leaving.json) == ["mg02", "mg01"])
            #expect(leaving.json["from"] as? String == "2026-12-01" && leaving.json["to"] as? String == "2026-12-31")
            #expect(leaving.json["total"] as? Int == 2)
            let first = (leaving.json["results"] as? [[String: Any]])?.first
            #expect(first?["day"] as? String == "2026-12-03")
            #expect((first?["matchedOffers"] as? [[String: Any]])?.count == 1)
            #expect(((first?["title"] as? [String: Any])?["offers"] as? [Any])?.count == 2)
            // The short form: only the offers that matched.
            let short = try await get(base, "/v1/leaving?country=DE&on=2026-12-01&offers=matched")
            let alpha = (short.json["results"] as? [[String: Any]])?.first?["title"] as? [String: Any]
            #expect((alpha?["offers"] as? [[String: Any]])?.map { $0["country"] as? String } == ["DE"])
            let wider = try await get(base, "/v1/leaving?on=2026-12-01&within=365d&limit=1&offset=2")
            #expect(Self.ids(wider.json) == ["mg03"] && wider.json["total"] as? Int == 3)

            let new = try await get(base, "/v1/new?on=2026-12-01&since=7d")
            #expect(Self.ids(new.json) == ["mg02"])
            #expect(new.json["from"] as? String == "2026-11-24")
            let none = try await get(base, "/v1/new?on=2026-12-01&since=2d")
            #expect(none.status == 200 && Self.ids(none.json).isEmpty)
        }
    }

    @Test func badWindowsDatesAndNamesAre400sNamingTheParameter() async throws {
        try await withServer(try publishedDirectory(Self.titles)) { _, base in
            for (path, parameter) in [
                ("/v1/leaving?within=abc", "within"), ("/v1/new?since=-1d", "since"), ("/v1/new?since=7", "since"),
                ("/v1/leaving?on=2025-02-29", "on"), ("/v1/leaving?on=2026-1-5", "on"),
                ("/v1/leaving?sort=title", "sort"),
                ("/v1/new?within=3d", "within"), ("/v1/leaving?offers=some", "offers"),
                ("/v1/search?expires_from=2026-13-01", "expires_from"),
                ("/v1/search?available_since_to=yesterday", "available_since_to"),
                ("/v1/titles/mg01/offers?country=USA", "country"), ("/v1/leaving?on=2026-12-01&on=2026-12-02", "on"),
            ] {
                let response = try await get(base, path)
                #expect(response.status == 400, "\(path)")
                #expect(response.json["parameter"] as? String == parameter, "\(path): \(response.text)")
            }
        }
    }

    @Test func searchHitsCarryTheOffersThatMetTheFilters() async throws {
        try await withServer(try publishedDirectory(Self.titles)) { _, base in
            let dated = try await get(base, "/v1/search?q=&country=US&expires_from=2026-12-15&expires_to=2026-12-31")
            #expect(Self.ids(dated.json) == ["mg01"])
            let hit = (dated.json["results"] as? [[String: Any]])?.first
            #expect((hit?["matchedOffers"] as? [[String: Any]])?.map { $0["expiresOn"] as? String } == ["2026-12-20"])
            let plain = try await get(base, "/v1/search?q=alpha")
            #expect((plain.json["results"] as? [[String: Any]])?.first?["matchedOffers"] == nil)
            let short = try await get(base, "/v1/search?q=alpha&country=DE&offers=matched")
            let title = (short.json["results"] as? [[String: Any]])?.first?["title"] as? [String: Any]
            #expect((title?["offers"] as? [[String: Any]])?.count == 1)
            let byExpiry = try await get(base, "/v1/search?q=&sort=expires&country=US")
            #expect(Self.ids(byExpiry.json) == ["mg02", "mg01", "mg03"])
            let byTitle = try await get(base, "/v1/search?q=&sort=-title")
            #expect(Self.ids(byTitle.json) == ["mg03", "mg02", "mg01"])
            let badSort = try await get(base, "/v1/search?q=a&sort=price")
            #expect(badSort.status == 400 && badSort.json["parameter"] as? String == "sort")
            // After the end of the window nothing matches.
            let empty = try await get(base, "/v1/search?q=&expires_from=2026-12-31&expires_to=2026-12-01")
            #expect(empty.status == 200 && empty.json["total"] as? Int == 0)
        }
    }

    @Test func aTitlesOffersAreGroupedByCountry() async throws {
        try await withServer(try publishedDirectory(Self.titles, aliases: ["mgold": "mg03"])) { _, base in
            let all = try await get(base, "/v1/titles/mg03/offers")
            let countries = all.json["countries"] as? [String: [[String: Any]]]
            #expect(Set(countries?.keys ?? [:].keys) == ["US", "GB"])
            let us = try await get(base, "/v1/titles/mg01/offers?country=us")
            #expect((us.json["countries"] as? [String: Any])?.keys.sorted() == ["US"])
            #expect(try await get(base, "/v1/titles/mg99/offers").status == 404)
            let alias = try await get(base, "/v1/titles/mgold/offers?country=GB")
            #expect(alias.url?.path == "/v1/titles/mg03/offers")
        }
    }
}
