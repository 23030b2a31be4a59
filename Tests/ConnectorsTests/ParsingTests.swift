import Foundation
import HTTPClient
import MediaModel
import Testing

@testable import Connectors

/// Mapping of recorded real responses (Fixtures/SOURCES.md) into source records.
@Suite struct ParsingTests {
    static func fixture(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return try Data(contentsOf: url)
    }

    static func mapping(_ file: String) throws -> Mapping {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try ConnectorConfiguration.load(file: root.appendingPathComponent("connectors/\(file)").path).mapping
    }

    @Test func streamingAvailabilityShowsMapIntoPerCountryRecords() throws {
        let shows = try #require(try JSONValue.parse(Self.fixture("sa_shows_search_title_batman_us.json")).array)
        let mapping = try Self.mapping("streaming-availability.yml")
        var unmapped: [String: Int] = [:]
        let movie = try #require(
            try StreamingAvailabilityConnector.records(
                show: shows[0],
                country: "us",
                mapping: mapping,
                unmapped: &unmapped
            )
            .first
        )
        #expect(movie.id == "414@us")
        #expect(movie.title == "The Batman")
        #expect(movie.kind == .movie)
        #expect(movie.year == 2022)
        #expect(movie.externalIDs == ExternalIDs(imdb: "tt1877830", tmdbMovie: 414906))
        #expect(movie.genres == [.action, .crime])
        #expect(movie.directors == ["Matt Reeves"])
        let offers = try #require(movie.offers)
        let rent = try #require(offers.first { $0.service == "apple-tv-store" && $0.monetization == .rent })
        #expect(rent.price == Price(amountText: "3.99", currency: "USD"))
        #expect(rent.quality == .uhd)
        #expect(rent.country == "US")
        let max = try #require(offers.first { $0.service == "max" })
        #expect(max.monetization == .subscription)
        #expect(max.expiresOn == "2024-07-01T03:59:00Z")
        #expect(max.availableSince != nil)
        #expect(movie.problems().isEmpty)

        let series = try #require(
            try StreamingAvailabilityConnector.records(
                show: shows[1],
                country: "us",
                mapping: mapping,
                unmapped: &unmapped
            )
            .first
        )
        #expect(series.kind == .series)
        #expect(series.externalIDs?.tmdbTV != nil && series.externalIDs?.tmdbMovie == nil)
        #expect(series.year == 1992)
        #expect(series.directors == ["Bruce Timm", "Eric Radomski"])
    }

    @Test func watchmodeDetailsMapSourcesIntoOffers() throws {
        let details = try JSONValue.parse(Self.fixture("wm_title_details_sources.json"))
        var unmapped: [String: Int] = [:]
        let record = try WatchmodeConnector.record(
            details: details,
            mapping: Self.mapping("watchmode.yml"),
            unmapped: &unmapped
        )
        #expect(record.id == "1000001")
        #expect(record.title == "Planes, Trains & Automobiles")
        #expect(record.runtimeMinutes == 93)
        #expect(record.releaseDate == "1987-11-25")
        #expect(record.genres == [.comedy, .drama])
        #expect(record.externalIDs == ExternalIDs(imdb: "tt0093748", tmdbMovie: 2609))
        let offers = try #require(record.offers)
        let netflix = try #require(offers.first { $0.service == "netflix" })
        #expect(netflix.deepLink == nil, "the free-plan placeholder is not a link")
        #expect(netflix.webURL == "https://www.netflix.com/watch/1")
        let buy = try #require(offers.first { $0.monetization == .buy })
        #expect(buy.price == Price(amountText: "9.99", currency: "USD"))
        #expect(buy.quality == .uhd)
        #expect(buy.deepLink == "https://tv.apple.com/movie/1")
        let rent = try #require(offers.first { $0.monetization == .rent })
        #expect(rent.price == Price(amountText: "3.49", currency: "GBP"), "Watchmode prices take the region's currency")
        #expect(offers.contains { $0.service == "local-service" } == false)
        #expect(unmapped["service:9999"] == 1, "an unmapped service is counted, not dropped silently")
        #expect(offers.contains { $0.service == "9999" })
    }

    @Test func justWatchNodeMapsOffersWithPricesAndPackages() throws {
        let node = try #require(try JSONValue.parse(Self.fixture("jw_title_node_tm19698_us.json"))["data"]?["node"])
        var unmapped: [String: Int] = [:]
        let record = try JustWatchConnector.record(
            node: node,
            country: "US",
            mapping: Self.mapping("justwatch.yml"),
            unmapped: &unmapped
        )
        #expect(record.id == "tm19698@us")
        #expect(record.title == "Predator")
        #expect(record.year == 1987)
        #expect(record.runtimeMinutes == 107)
        #expect(record.externalIDs == ExternalIDs(imdb: "tt0093773", tmdbMovie: 106))
        #expect(record.genres == [.scienceFiction, .action, .thriller, .horror])
        let offers = try #require(record.offers)
        #expect(
            offers.contains { $0.service == "disney-plus" && $0.monetization == .subscription && $0.quality == .hd }
        )
        let rental = try #require(offers.first { $0.monetization == .rent && $0.price != nil })
        #expect(rental.price?.currency == "USD")
        #expect(record.images?.first?.url.hasPrefix("https://images.justwatch.com/poster/") == true)
        #expect(Set(offers.map(\.identity)).count == offers.count, "offers are distinct by identity")
    }

    @Test func youTubeVideoAndFeedMapToTheSameRecord() throws {
        let configuration = try ConnectorConfiguration.parse(
            """
            provider: youtube
            base_url: http://127.0.0.1:9/youtube/v3
            auth: {scheme: query, parameter: key, keys: [{env: YT}]}
            streams: {uploads: {channels: [UCb--64Gl51jIEVE-GLDAVTg], offer_countries: [US]}}
            """,
            file: "youtube.yml"
        )
        let settings = try configuration.clientSettings(environment: ["YT": "k"])
        let client = ProviderClient(
            settings: settings,
            transport: URLSessionTransport(),
            ledger: MemoryQuotaLedger(),
            logger: .init(label: "t")
        )
        let connector = try YouTubeConnector(configuration: configuration, client: client)
        let videos = try JSONValue.parse(Self.fixture("videos_list_snippet_contentDetails_statistics.json"))
        let video = try connector.record(video: try #require(videos["items"]?[0]), kind: .video)
        #expect(video.id == "oBM7DIeMsP0")
        #expect(video.kind == .video)
        #expect(video.releaseDate == "2015-09-24")
        #expect(video.runtimeMinutes != nil)
        #expect(
            video.offers == [
                Offer(
                    country: "US",
                    service: "youtube",
                    monetization: .free,
                    webURL: "https://www.youtube.com/watch?v=oBM7DIeMsP0",
                    deepLink: "vnd.youtube:oBM7DIeMsP0"
                )
            ]
        )

        let feed = try connector.records(feed: Self.fixture("youtube_feed_channel.xml"), kind: .video, newerThan: nil)
        #expect(feed.records.count == 15)
        let first = feed.records[0].0
        #expect(first.id == "dfxLY1EayNA")
        #expect(first.title == "IMPOSSIBLE TRICKS OF DAEWON SONG")
        #expect(first.releaseDate == "2024-04-27")
        #expect(first.overview?.hasPrefix("MY PANTS:") == true)
        #expect(first.runtimeMinutes == nil, "feeds carry no duration; the staged value is kept")
        let newer = try connector.records(
            feed: Self.fixture("youtube_feed_channel.xml"),
            kind: .video,
            newerThan: feed.newest
        )
        #expect(newer.records.isEmpty, "the feed position skips entries already seen")
    }

    @Test func youTubeQuotaErrorsStopInsteadOfRetrying() throws {
        let quota = HTTPResponse(
            status: 403,
            body: Data(
                #"{"error":{"code":403,"message":"quota","errors":[{"reason":"quotaExceeded","domain":"youtube.quota"}]}}"#
                    .utf8
            )
        )
        #expect(YouTubeConnector.verdict(quota) == .quotaExhausted)
        let notFound = HTTPResponse(status: 404, body: try Self.fixture("error_404_channelNotFound.json"))
        if case .failure = YouTubeConnector.verdict(notFound) {} else { Issue.record("404 must not be retried") }
        let rate = HTTPResponse(status: 403, body: Data(#"{"error":{"errors":[{"reason":"rateLimitExceeded"}]}}"#.utf8))
        if case .retry = YouTubeConnector.verdict(rate) {} else { Issue.record("rate limits are retried") }
    }

    @Test func streamingAvailabilityTellsAnExpiredCursorFromOtherRefusals() {
        func verdict(_ status: Int, _ body: String) -> Verdict {
            StreamingAvailabilityConnector.verdict(HTTPResponse(status: status, body: Data(body.utf8)))
        }
        #expect(verdict(400, #"{"message":"invalid cursor"}"#) == .expiredCursor("HTTP 400: invalid cursor"))
        #expect(verdict(429, #"{"message":"You have exceeded the DAILY quota"}"#) == .quotaExhausted)
        if case .failure = verdict(400, #"{"message":"country is required"}"#) {
        } else {
            Issue.record("a bad request other than the cursor is a failure")
        }
        if case .retry = verdict(429, #"{"message":"Too many requests"}"#) {
        } else {
            Issue.record("a rate limit is retried")
        }
        if case .failure = verdict(404, #"{"message":"cursor not found"}"#) {
        } else {
            Issue.record("only a 400 about the cursor restarts the listing")
        }
    }

    @Test func graphQLErrorsInsideA200AreErrors() {
        let body = Data(#"{"errors":[{"message":"query complexity exceeds the maximum allowed"}],"data":null}"#.utf8)
        #expect(
            JustWatchConnector.verdict(HTTPResponse(status: 200, body: body))
                == .failure("GraphQL errors: query complexity exceeds the maximum allowed")
        )
        #expect(JustWatchConnector.verdict(HTTPResponse(status: 200, body: Data(#"{"data":{}}"#.utf8))) == .success)
    }

    @Test func aRecordThatCannotBeMappedIsQuarantinedAndThePageGoesOn() {
        var builder = PageBuilder(payloads: [], cursor: "", isLast: true)
        let shows: [JSONValue] = [
            .object(["id": .string("1"), "showType": .string("movie"), "title": .string("Fine")]),
            .object(["id": .string("2"), "showType": .string("podcast"), "title": .string("Odd")]),
            .object(["id": .string("3"), "showType": .string("movie")]),
        ]
        builder.addEach(shows, location: { "page · shows[\($0)]" }) { show, unmapped in
            try StreamingAvailabilityConnector.records(
                show: show,
                country: "us",
                mapping: Mapping(),
                unmapped: &unmapped
            )
        }
        #expect(builder.page.items.map(\.record.id) == ["1@us"])
        #expect(builder.page.rejections.map(\.location) == ["page · shows[1]", "page · shows[2]"])
        #expect(builder.page.rejections[0].reason.contains("podcast"))
        #expect(builder.page.rejections[1].reason.contains("title"))
    }
}
