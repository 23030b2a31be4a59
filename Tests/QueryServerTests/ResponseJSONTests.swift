import Foundation
import MediaModel
import Search
import TestSupport
import Testing

@testable import QueryServer

/// The response bodies written by `JSONWriter` are the bytes `JSONEncoder` writes for them.
@Suite struct ResponseJSONTests {
    static func encoded(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static let offer = Offer(
        country: "US",
        service: "netflix",
        monetization: .subscription,
        price: Price(amountText: "9.99", currency: "USD"),
        quality: .hd,
        webURL: "https://example.invalid/t/1",
        expiresOn: "2026-12-31"
    )

    static func hit(_ id: String, score: Double, matched: [Offer]? = nil) -> SearchHitBody {
        var title = makeTitle(id, "Title </script> \"\(id)\"", year: 1999, genres: [.drama], offers: [offer])
        title.fieldSources = ["title": "test:\(id)"]
        return SearchHitBody(score: score, matchedOffers: matched, title: title)
    }

    @Test func aSearchBodyIsWrittenAsTheEncoderWritesIt() throws {
        let body = SearchBody(
            query: "dune\n2021",
            mode: "hybrid",
            notice: "semantic ranking unavailable",
            total: 2,
            limit: 10,
            offset: 0,
            snapshot: "snapshot-1.mgws",
            results: [Self.hit("mg1", score: 0.8125, matched: [Self.offer]), Self.hit("mg2", score: 1)],
            facets: ["genre": [.init(value: "drama", count: 2)], "country": [.init(value: "US", count: 1)]]
        )
        #expect(try QueryRoutes.jsonBytes(body) == Self.encoded(body))
        var bare = body
        bare.notice = nil
        bare.facets = nil
        bare.results = []
        #expect(try QueryRoutes.jsonBytes(bare) == Self.encoded(bare))
    }

    @Test func anExplainedHitFallsBackToTheEncoder() throws {
        var hit = Self.hit("mg1", score: 0.5)
        hit.explanation = try JSONDecoder().decode(
            HitExplanation.self,
            from: Data(#"{"wordsMatched":1,"words":2,"matchedTerms":[],"similarity":0.25}"#.utf8)
        )
        let body = SimilarBody(id: "mg0", total: 1, limit: 10, offset: 0, snapshot: "s", results: [hit])
        let bytes = try QueryRoutes.jsonBytes(body)
        #expect(bytes == (try Self.encoded(body)))
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""explanation":{"#))
    }

    @Test func similarAvailabilityAndTitleBodiesAreWrittenAsTheEncoderWritesThem() throws {
        let similar = SimilarBody(
            id: "mg0",
            total: 3,
            limit: 2,
            offset: 1,
            snapshot: "s",
            results: [Self.hit("mg1", score: 0.3), Self.hit("mg2", score: 0.25)]
        )
        #expect(try QueryRoutes.jsonBytes(similar) == Self.encoded(similar))
        let availability = AvailabilityBody(
            on: "2026-12-01",
            from: "2026-12-01",
            to: "2026-12-31",
            total: 1,
            limit: 10,
            offset: 0,
            snapshot: "s",
            results: [.init(day: "2026-12-31", matchedOffers: [Self.offer], title: Self.hit("mg1", score: 0).title)]
        )
        #expect(try QueryRoutes.jsonBytes(availability) == Self.encoded(availability))
        let title = Self.hit("mg9", score: 0).title
        #expect(try QueryRoutes.jsonBytes(title) == Self.encoded(title))
    }
}
