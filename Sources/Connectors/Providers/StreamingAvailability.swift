import Foundation
import HTTPClient
import MediaModel

/// Streaming Availability API v4 (`api.movieofthenight.com/v4`, direct or through RapidAPI).
///
/// Streams: `catalog` — `/shows/search/filters` per country with the configured catalogs, cursor
/// paging, a full listing; `changes` — `/changes` per country and change type over time windows
/// of at most 31 days with cursor paging, the incremental stream. `/shows/{id}` refreshes one
/// title. A show becomes one source record per country (`82@us`) holding that country's offers,
/// plus season and episode records when the show carries them.
public struct StreamingAvailabilityConnector: Sendable {
    public static let provider = "streaming-availability"
    static let streamNames = ["catalog", "changes"]

    let client: ProviderClient
    let mapping: Mapping
    let catalog: CatalogOptions?
    let changes: ChangesOptions?
    let now: @Sendable () -> Date

    struct CatalogOptions: Sendable {
        var countries: [String]
        var catalogs: [String]
        var showType: String?
    }

    struct ChangesOptions: Sendable {
        var countries: [String]
        var changeTypes: [String]
        var catalogs: [String]
        var lookback: TimeInterval
        var windowLength: TimeInterval
    }

    public init(
        configuration: ConnectorConfiguration,
        client: ProviderClient,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        try configuration.checkStreamNames(Self.streamNames)
        self.client = client
        self.mapping = configuration.mapping
        self.now = now
        if let options = try configuration.stream("catalog", allowed: ["countries", "catalogs", "show_type"]) {
            catalog = CatalogOptions(
                countries: try Self.countries(options["countries"], in: configuration),
                catalogs: try options["catalogs"]?.strings() ?? [],
                showType: try options["show_type"]?.string()
            )
        } else {
            catalog = nil
        }
        let changeKeys = ["countries", "change_types", "catalogs", "lookback_hours", "window_days"]
        if let options = try configuration.stream("changes", allowed: changeKeys) {
            let types = try options["change_types"]?.strings() ?? ["new", "updated", "removed", "expiring"]
            let known = ["new", "removed", "updated", "expiring", "upcoming"]
            if let bad = types.first(where: { !known.contains($0) }) {
                throw options["change_types"]!.error(
                    "unknown change type '\(bad)'; expected \(known.joined(separator: ", "))"
                )
            }
            changes = ChangesOptions(
                countries: try Self.countries(options["countries"], in: configuration),
                changeTypes: types,
                catalogs: try options["catalogs"]?.strings() ?? [],
                lookback: TimeInterval(try options["lookback_hours"]?.int(in: 1...744) ?? 24) * 3600,
                windowLength: TimeInterval(try options["window_days"]?.int(in: 1...31) ?? 31) * 86_400
            )
        } else {
            changes = nil
        }
    }

    static func countries(_ node: ConfigNode?, in configuration: ConnectorConfiguration) throws -> [String] {
        guard let node else { return ["us"] }
        let countries = try node.strings().map { $0.lowercased() }
        if let bad = countries.first(where: { $0.count != 2 || !$0.allSatisfy(\.isLetter) }) {
            throw node.error("expected ISO 3166-1 alpha-2 country codes, found '\(bad)'")
        }
        return countries
    }

    /// RapidAPI answers a spent monthly or daily quota with 429 and a message saying so; only a
    /// per-second limit is worth retrying.
    @Sendable static func verdict(_ response: HTTPResponse) -> Verdict {
        guard response.status == 429 || response.status == 400,
            let message = (try? JSONValue.parse(response.body))?["message"]?.string
        else { return ProviderClient.standardVerdict(response) }
        if response.status == 429 && message.localizedCaseInsensitiveContains("quota") { return .quotaExhausted }
        if response.status == 400 && message.localizedCaseInsensitiveContains("cursor") {
            return .expiredCursor("HTTP 400: \(message)")
        }
        return ProviderClient.standardVerdict(response)
    }

    /// The configured streams.
    public var streams: [any IngestStream] {
        var streams: [any IngestStream] = []
        if let catalog { streams.append(CatalogStream(connector: self, options: catalog)) }
        if let changes { streams.append(ChangesStream(connector: self, options: changes)) }
        return streams
    }

    /// Fetches one show (`82`, `tt0068646`, `movie/238`, `tv/1396`) in every country.
    public func refresh(showID: String) async throws -> FetchedPage {
        let call = ProviderCall(path: "shows/\(showID)", query: [("series_granularity", "episode")])
        let response = try await client.send(call)
        let payload = RawPayload(body: response.body, location: call.location)
        var builder = PageBuilder(payloads: [payload], cursor: "", isLast: true)
        let show = try JSONValue.page(response.body, location: call.location)
        builder.addEach([show], location: { _ in call.location }) { show, unmapped in
            let countries = show["streamingOptions"]?.object?.keys.sorted() ?? []
            return try countries.flatMap {
                try Self.records(show: show, country: $0, mapping: mapping, unmapped: &unmapped)
            }
        }
        return builder.page
    }

    /// `/shows/{id}` for each of `ids`, one page a show; the cursor is the index of the next.
    func refreshStream(ids: [String]) -> any IngestStream { RefreshStream(connector: self, ids: ids) }

    struct RefreshStream: IngestStream {
        let connector: StreamingAvailabilityConnector
        let ids: [String]
        var name: String { "refresh" }
        var source: String { provider }
        var cursorKind: CursorKind { .page }
        var isFullListing: Bool { false }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            let index = min(Int(cursor ?? "") ?? 0, max(ids.count - 1, 0))
            guard !ids.isEmpty else { return FetchedPage(payloads: [], cursor: "0", isLast: true) }
            var page = try await connector.refresh(showID: ids[index])
            page.cursor = String(index + 1)
            page.isLast = index + 1 >= ids.count
            page.progress = Double(index + 1) / Double(ids.count)
            return page
        }
    }

    // MARK: Mapping

    /// The records of a show as seen in one country.
    static func records(show: JSONValue, country: String, mapping: Mapping, unmapped: inout [String: Int]) throws
        -> [SourceRecord]
    {
        let showID = try show.require("id")
        let id = "\(showID)@\(country.lowercased())"
        let kind: TitleKind
        switch show["showType"]?.string {
        case "movie": kind = .movie
        case "series": kind = .series
        case let other: throw MappingError("unknown showType '\(other ?? "null")'")
        }
        var record = SourceRecord(source: provider, id: id, kind: kind, title: try show.require("title"))
        record.originalTitle = show["originalTitle"]?.string
        record.overview = show["overview"]?.string
        record.year = show["releaseYear"]?.int ?? show["firstAirYear"]?.int
        record.runtimeMinutes = show["runtime"]?.int
        record.genres = mapping.genres(
            show["genres"]?.array?.compactMap { $0["id"]?.string ?? $0["name"]?.string } ?? [],
            unmapped: &unmapped
        )
        record.directors = show["directors"]?.strings ?? show["creators"]?.strings
        record.cast = show["cast"]?.strings
        if let rating = show["rating"]?.double {
            record.ratings = [Rating(source: provider, value: rating, scale: 100)]
        }
        record.images = images(show["imageSet"])
        record.externalIDs = externalIDs(show)
        record.offers = offers(
            show["streamingOptions"]?[country.lowercased()],
            country: country,
            mapping: mapping,
            unmapped: &unmapped
        )
        var records = [record]
        for (seasonIndex, season) in (show["seasons"]?.array ?? []).enumerated() {
            let seasonID = "\(id)/s\(seasonIndex + 1)"
            var seasonRecord = SourceRecord(
                source: provider,
                id: seasonID,
                kind: .season,
                title: season["title"]?.string ?? "Season \(seasonIndex + 1)"
            )
            seasonRecord.parentID = id
            seasonRecord.seasonNumber = seasonIndex + 1
            seasonRecord.year = season["firstAirYear"]?.int
            seasonRecord.offers = offers(
                season["streamingOptions"]?[country.lowercased()],
                country: country,
                mapping: mapping,
                unmapped: &unmapped
            )
            records.append(seasonRecord)
            for (episodeIndex, episode) in (season["episodes"]?.array ?? []).enumerated() {
                var episodeRecord = SourceRecord(
                    source: provider,
                    id: "\(seasonID)e\(episodeIndex + 1)",
                    kind: .episode,
                    title: episode["title"]?.string ?? "Episode \(episodeIndex + 1)"
                )
                episodeRecord.parentID = id
                episodeRecord.seasonNumber = seasonIndex + 1
                episodeRecord.episodeNumber = episodeIndex + 1
                episodeRecord.overview = episode["overview"]?.string
                episodeRecord.year = episode["airYear"]?.int
                episodeRecord.offers = offers(
                    episode["streamingOptions"]?[country.lowercased()],
                    country: country,
                    mapping: mapping,
                    unmapped: &unmapped
                )
                records.append(episodeRecord)
            }
        }
        return records
    }

    static func externalIDs(_ show: JSONValue) -> ExternalIDs? {
        var ids = ExternalIDs(imdb: show["imdbId"]?.string)
        if let tmdb = show["tmdbId"]?.string {
            let parts = tmdb.split(separator: "/")
            if parts.count == 2, let number = Int(parts[1]) {
                if parts[0] == "movie" { ids.tmdbMovie = number } else if parts[0] == "tv" { ids.tmdbTV = number }
            }
        }
        return ids.isEmpty ? nil : ids
    }

    static func images(_ set: JSONValue?) -> [Image]? {
        var images: [Image] = []
        if let posters = set?["verticalPoster"]?.object,
            let (width, url) = posters.compactMap({ key, value in
                Int(key.dropFirst()).flatMap { width in value.string.map { (width, $0) } }
            }).filter({ $0.0 <= 600 }).max(by: { $0.0 < $1.0 })
        {
            images.append(Image(kind: "poster", url: url, width: width))
        }
        if let backdrop = set?["horizontalBackdrop"]?["w1080"]?.string {
            images.append(Image(kind: "backdrop", url: backdrop, width: 1080))
        }
        return images.isEmpty ? nil : images
    }

    static func offers(_ options: JSONValue?, country: String, mapping: Mapping, unmapped: inout [String: Int])
        -> [Offer]?
    {
        var offers: [Offer] = []
        for option in options?.array ?? [] {
            guard let type = option["type"]?.string else { continue }
            let monetization: Monetization
            switch type {
            case "subscription": monetization = .subscription
            case "free": monetization = .free
            case "ads": monetization = .ads
            case "rent": monetization = .rent
            case "buy": monetization = .buy
            case "addon": monetization = .addon
            default:
                unmapped["monetization:\(type)", default: 0] += 1
                continue
            }
            let providerService = option["addon"]?["id"]?.string ?? option["service"]?["id"]?.string
            guard let providerService,
                let service = mapping.service(providerService, monetization: monetization, unmapped: &unmapped)
            else { continue }
            let quality: VideoQuality?
            switch option["quality"]?.string {
            case "sd": quality = .sd
            case "hd", "qhd": quality = .hd
            case "uhd": quality = .uhd
            default: quality = nil
            }
            offers.append(
                Offer(
                    country: country.uppercased(),
                    service: service,
                    monetization: monetization,
                    price: ProviderValues.price(
                        option["price"]?["amount"]?.decimalText,
                        currency: option["price"]?["currency"]?.string
                    ),
                    quality: quality,
                    webURL: option["link"]?.string,
                    deepLink: option["videoLink"]?.string,
                    availableSince: option["availableSince"]?.int.map(ProviderValues.isoDateTime(unix:)),
                    expiresOn: option["expiresOn"]?.int.map(ProviderValues.isoDateTime(unix:))
                )
            )
        }
        return ProviderValues.distinctOffers(offers)
    }

    // MARK: Streams

    /// `/shows/search/filters`, country by country, following `nextCursor`.
    struct CatalogStream: IngestStream {
        struct State: Codable {
            var country: Int
            var cursor: String?
            var done: Bool?
        }

        let connector: StreamingAvailabilityConnector
        let options: CatalogOptions
        var name: String { "catalog" }
        var source: String { provider }
        var cursorKind: CursorKind { .opaque }
        var isFullListing: Bool { true }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            var state = try CursorCoding.decode(State.self, from: cursor, stream: name) ?? State(country: 0)
            if state.done == true || state.country >= options.countries.count { state = State(country: 0) }
            let country = options.countries[state.country]
            var query = [("country", country), ("series_granularity", "show"), ("output_language", "en")]
            if !options.catalogs.isEmpty { query.append(("catalogs", options.catalogs.joined(separator: ","))) }
            if let showType = options.showType { query.append(("show_type", showType)) }
            if let token = state.cursor { query.append(("cursor", token)) }
            let call = ProviderCall(path: "shows/search/filters", query: query)
            let response: HTTPResponse
            do {
                response = try await connector.client.send(call)
            } catch ConnectorError.expiredCursor where state.cursor != nil {
                // The provider no longer knows the cursor: list this country again from the start.
                // Records already staged come back unchanged, so nothing is counted twice.
                return FetchedPage(
                    payloads: [],
                    cursor: CursorCoding.encode(State(country: state.country)),
                    isLast: false
                )
            }
            let body = try JSONValue.page(response.body, location: call.location)
            guard let shows = body["shows"]?.array else {
                throw ConnectorError.unreadablePage(location: call.location, reason: "no 'shows' array")
            }
            var next = State(country: state.country)
            if body["hasMore"]?.bool == true, let token = body["nextCursor"]?.string {
                next.cursor = token
            } else if state.country + 1 < options.countries.count {
                next.country = state.country + 1
            } else {
                next.done = true
            }
            var builder = PageBuilder(
                payloads: [RawPayload(body: response.body, location: call.location)],
                cursor: CursorCoding.encode(next),
                isLast: next.done == true
            )
            builder.page.completesPass = next.done == true
            builder.page.progress =
                next.done == true ? 1 : Double(next.country) / Double(max(options.countries.count, 1))
            let location = call.location
            builder.addEach(shows, location: { "\(location) · shows[\($0)]" }) { show, unmapped in
                try StreamingAvailabilityConnector.records(
                    show: show,
                    country: country,
                    mapping: connector.mapping,
                    unmapped: &unmapped
                )
            }
            return builder.page
        }
    }

    /// `/changes` over time windows: every country and change type per window, cursor paged.
    struct ChangesStream: IngestStream {
        struct State: Codable {
            /// Changes up to here are staged (the scheduled high-water mark).
            var highWater: Date?
            var window: TimeWindow?
            var country = 0
            var changeType = 0
            var cursor: String?
            /// The end of the current cycle.
            var until: Date?
        }

        let connector: StreamingAvailabilityConnector
        let options: ChangesOptions
        var name: String { "changes" }
        var source: String { provider }
        var cursorKind: CursorKind { .window }
        var isFullListing: Bool { false }
        var supportsWindows: Bool { true }

        func next(after cursor: String?, window requested: TimeWindow?) async throws -> FetchedPage {
            var state = try CursorCoding.decode(State.self, from: cursor, stream: name) ?? State()
            // A cycle runs up to the time it started (or the backfill's end), then rests.
            // Whole seconds, as the API takes them, rounded up so nothing before now is cut off.
            let until =
                state.until ?? requested?.to
                ?? Date(timeIntervalSince1970: connector.now().timeIntervalSince1970.rounded(.up))
            state.until = until
            if state.window == nil {
                let from = requested?.from ?? state.highWater ?? until.addingTimeInterval(-options.lookback)
                guard from < until else {
                    return FetchedPage(
                        payloads: [],
                        cursor: CursorCoding.encode(State(highWater: state.highWater)),
                        isLast: true
                    )
                }
                state.window = TimeWindow(from: from, to: min(until, from.addingTimeInterval(options.windowLength)))
                state.country = 0
                state.changeType = 0
                state.cursor = nil
            }
            let window = state.window!
            let country = options.countries[state.country]
            var query = [
                ("change_type", options.changeTypes[state.changeType]), ("item_type", "show"), ("country", country),
                ("from", String(Int(window.from.timeIntervalSince1970))),
                ("to", String(Int(window.to.timeIntervalSince1970))), ("output_language", "en"),
            ]
            if !options.catalogs.isEmpty { query.append(("catalogs", options.catalogs.joined(separator: ","))) }
            if let token = state.cursor { query.append(("cursor", token)) }
            let call = ProviderCall(path: "changes", query: query)
            let response = try await connector.client.send(call)
            let body = try JSONValue.page(response.body, location: call.location)
            guard body["changes"]?.array != nil else {
                throw ConnectorError.unreadablePage(location: call.location, reason: "no 'changes' array")
            }
            var next = state
            var isLast = false
            if body["hasMore"]?.bool == true, let token = body["nextCursor"]?.string {
                next.cursor = token
            } else if state.changeType + 1 < options.changeTypes.count {
                next.changeType += 1
                next.cursor = nil
            } else if state.country + 1 < options.countries.count {
                next.country += 1
                next.changeType = 0
                next.cursor = nil
            } else if window.to < until {
                next = State(highWater: window.to, until: until)
            } else {
                next = State(highWater: window.to)
                isLast = true
            }
            var builder = PageBuilder(
                payloads: [RawPayload(body: response.body, location: call.location)],
                cursor: CursorCoding.encode(next),
                isLast: isLast
            )
            let shows = (body["shows"]?.object?.members ?? []).sorted { $0.key < $1.key }
            let location = call.location
            builder.addEach(shows.map(\.value), location: { "\(location) · shows[\(shows[$0].key)]" }) {
                show,
                unmapped in
                try StreamingAvailabilityConnector.records(
                    show: show,
                    country: country,
                    mapping: connector.mapping,
                    unmapped: &unmapped
                )
            }
            return builder.page
        }
    }
}
