import Foundation
import HTTPClient
import Synchronization
import MediaModel

/// Watchmode API v1 (`api.watchmode.com/v1`, key as `apiKey=` or the `X-API-Key` header).
///
/// Streams: `listing` — `/list-titles` per region (≤ 250 ids a page), each id fetched with
/// `/title/{id}/details?append_to_response=sources`, a full listing that first checks `/sources`
/// and `/regions` for services the mapping lacks; `changes` — the `/changes/*` endpoints over
/// date windows, falling back to the full listing when the plan refuses them (401/403);
/// `leaving` — `/title-leaving-dates`, setting `expiresOn` on the offers that end.
public struct WatchmodeConnector: Sendable {
    public static let provider = "watchmode"
    static let streamNames = ["listing", "changes", "leaving"]
    static let paidPlanPlaceholder = "Deeplinks available for paid plans only."

    let client: ProviderClient
    let mapping: Mapping
    let listing: ListingOptions?
    let changes: ChangesOptions?
    let leaving: ListingOptions?
    let now: @Sendable () -> Date
    let lists = ListPages()

    struct ListingOptions: Sendable {
        var regions: [String]
        var sourceTypes: [String]
        var types: [String]
        var pageSize: Int
        var detailsPerPage: Int
    }

    struct ChangesOptions: Sendable {
        var endpoints: [String]
        var lookbackDays: Int
        var fallback: ListingOptions
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
        let listingKeys = ["regions", "source_types", "types", "page_size", "details_per_page"]
        func listingOptions(_ members: [String: ConfigNode]) throws -> ListingOptions {
            ListingOptions(
                regions: try members["regions"]?.strings().map { $0.uppercased() } ?? ["US"],
                sourceTypes: try members["source_types"]?.strings() ?? ["sub", "free"],
                types: try members["types"]?.strings() ?? ["movie", "tv_series"],
                pageSize: try members["page_size"]?.int(in: 1...250) ?? 250,
                detailsPerPage: try members["details_per_page"]?.int(in: 1...250) ?? 25
            )
        }
        let listing = try configuration.stream("listing", allowed: listingKeys).map(listingOptions)
        self.listing = listing
        self.leaving = try configuration.stream("leaving", allowed: listingKeys).map(listingOptions)
        if let options = try configuration.stream("changes", allowed: ["endpoints", "lookback_days"] + listingKeys) {
            let endpoints =
                try options["endpoints"]?.strings() ?? [
                    "new_titles", "titles_sources_changed", "titles_details_changed",
                ]
            changes = ChangesOptions(
                endpoints: endpoints,
                lookbackDays: try options["lookback_days"]?.int(in: 1...90) ?? 1,
                fallback: try listing ?? listingOptions(options)
            )
        } else {
            changes = nil
        }
    }

    public var streams: [any IngestStream] {
        var streams: [any IngestStream] = []
        if let listing { streams.append(ListingStream(connector: self, options: listing, name: "listing")) }
        if let changes { streams.append(ChangesStream(connector: self, options: changes)) }
        if let leaving { streams.append(LeavingStream(connector: self, options: leaving)) }
        return streams
    }

    /// One details call, parsed and mapped by the task that fetched it.
    private struct Details: Sendable {
        enum Outcome: Sendable {
            case unreadable(any Error)
            case unmappable(JSONValue, any Error)
            case mapped(JSONValue, SourceRecord)
        }

        var index: Int
        var location: String
        var body: Data
        var outcome: Outcome
        var unmapped: [String: Int] = [:]
    }

    /// Fetches details with sources for `ids` (a few at a time) into `builder`. Each response is
    /// parsed and mapped in the task that fetched it, so that this work spreads over the cores.
    func addDetails(
        _ ids: [String],
        to builder: inout PageBuilder,
        expiries: [String: [(service: String, country: String, date: String)]] = [:]
    ) async throws {
        let mapping = mapping
        @Sendable func details(_ index: Int, _ call: ProviderCall) async throws -> Details {
            let response = try await client.send(call)
            var unmapped: [String: Int] = [:]
            let outcome: Details.Outcome
            do {
                let details = try JSONValue.parse(response.body)
                do {
                    var record = try Self.record(details: details, mapping: mapping, unmapped: &unmapped)
                    if let ends = expiries[record.id], var offers = record.offers {
                        for index in offers.indices {
                            if let end = ends.first(where: {
                                $0.service == offers[index].service && $0.country == offers[index].country
                            }) {
                                offers[index].expiresOn = end.date
                            }
                        }
                        record.offers = offers
                    }
                    outcome = .mapped(details, record)
                } catch {
                    outcome = .unmappable(details, error)
                }
            } catch {
                outcome = .unreadable(error)
            }
            return Details(
                index: index,
                location: call.location,
                body: response.body,
                outcome: outcome,
                unmapped: unmapped
            )
        }
        let fetched = try await withThrowingTaskGroup(of: Details.self) { group in
            var results: [Details] = []
            var next = 0
            func launch() {
                let index = next
                let call = ProviderCall(path: "title/\(ids[index])/details", query: [("append_to_response", "sources")])
                group.addTask { try await details(index, call) }
                next += 1
            }
            while next < min(4, ids.count) { launch() }
            while let result = try await group.next() {
                results.append(result)
                if next < ids.count { launch() }
            }
            return results.sorted { $0.index < $1.index }
        }
        builder.page.merge = .keepOfferDates
        for outcome in fetched {
            builder.page.payloads.append(RawPayload(body: outcome.body, location: outcome.location))
            for (value, count) in outcome.unmapped { builder.page.unmapped[value, default: 0] += count }
            switch outcome.outcome {
            case .unreadable(let error):
                builder.reject(
                    location: outcome.location,
                    reason: "\(error)",
                    excerpt: ProviderClient.snippet(outcome.body)
                )
            case .unmappable(let details, let error):
                builder.reject(location: outcome.location, reason: "\(error)", excerpt: details.excerpt)
            case .mapped(let details, let record):
                builder.add(record, location: outcome.location, excerpt: details.excerpt)
            }
        }
    }

    /// The list page each stream read last. A page of up to 250 ids commits in chunks of
    /// `details_per_page`; without this, each chunk fetched (a request and a credit) and parsed
    /// the same list again. A new connector (each run) starts empty.
    final class ListPages: Sendable {
        private let last = Mutex<[String: (location: String, response: HTTPResponse, body: JSONValue)]>([:])

        func read(_ call: ProviderCall, stream: String, client: ProviderClient) async throws
            -> (HTTPResponse, JSONValue)
        {
            let location = call.location
            if let kept = last.withLock({ $0[stream] }), kept.location == location { return (kept.response, kept.body) }
            let response = try await client.send(call)
            let body = try JSONValue.page(response.body, location: location)
            last.withLock { $0[stream] = (location, response, body) }
            return (response, body)
        }
    }

    /// Where a paged id listing goes after committing `chunk` ids of a page of `ids`: the rest of
    /// the page, the next page (1-based `page`, up to `total_pages`), or nil at the end.
    static func advance(page: Int, offset: Int, chunk: Int, ids: Int, body: JSONValue) -> (page: Int, offset: Int)? {
        if offset + chunk < ids { return (page, offset + chunk) }
        if page < (body["total_pages"]?.int ?? page) && ids > 0 { return (page + 1, 0) }
        return nil
    }

    // MARK: Mapping

    static func record(details: JSONValue, mapping: Mapping, unmapped: inout [String: Int]) throws -> SourceRecord {
        let id = try details.require("id")
        let kind: TitleKind
        switch details["type"]?.string {
        case "movie", "tv_movie", "tv_special": kind = .movie
        case "tv_series", "tv_miniseries": kind = .series
        case "short_film": kind = .short
        case let other: throw MappingError("unknown type '\(other ?? "null")'")
        }
        var record = SourceRecord(source: provider, id: id, kind: kind, title: try details.require("title"))
        record.originalTitle = details["original_title"]?.string
        record.overview = details["plot_overview"]?.string
        record.year = details["year"]?.int
        record.releaseDate = ProviderValues.isoDate(details["release_date"]?.string)
        record.runtimeMinutes = details["runtime_minutes"]?.int
        let genreKeys = (details["genres"]?.array ?? []).compactMap { $0.int.map(String.init) }
        let genreNames = details["genre_names"]?.strings ?? []
        // Map by id when the table knows the id, else by name; count what neither maps.
        var genres: [String] = []
        for (index, name) in genreNames.enumerated() {
            if index < genreKeys.count, mapping.genres[genreKeys[index]] != nil {
                genres.append(genreKeys[index])
            } else {
                genres.append(name)
            }
        }
        if genreNames.isEmpty { genres = genreKeys }
        record.genres = mapping.genres(genres, unmapped: &unmapped)
        if let language = details["original_language"]?.string, language.count == 2 { record.languages = [language] }
        var ratings: [Rating] = []
        if let value = details["user_rating"]?.double {
            ratings.append(Rating(source: "watchmode-users", value: value, scale: 10))
        }
        if let value = details["critic_score"]?.double {
            ratings.append(Rating(source: "watchmode-critics", value: value, scale: 100))
        }
        record.ratings = ratings.isEmpty ? nil : ratings
        var images: [Image] = []
        if let poster = details["posterLarge"]?.string ?? details["poster"]?.string {
            images.append(Image(kind: "poster", url: poster))
        }
        if let backdrop = details["backdrop"]?.string { images.append(Image(kind: "backdrop", url: backdrop)) }
        record.images = images.isEmpty ? nil : images
        var ids = ExternalIDs(imdb: details["imdb_id"]?.string)
        if let tmdb = details["tmdb_id"]?.int {
            switch details["tmdb_type"]?.string {
            case "movie": ids.tmdbMovie = tmdb
            case "tv": ids.tmdbTV = tmdb
            default: break
            }
        }
        record.externalIDs = ids.isEmpty ? nil : ids
        var offers: [Offer] = []
        for source in details["sources"]?.array ?? [] {
            guard let region = source["region"]?.string?.uppercased(), let sourceID = source["source_id"]?.int else {
                continue
            }
            let monetization: Monetization
            switch source["type"]?.string {
            case "sub": monetization = .subscription
            case "free": monetization = .free
            case "rent": monetization = .rent
            case "buy", "purchase": monetization = .buy
            case "tve": monetization = .addon
            case let other:
                unmapped["monetization:\(other ?? "null")", default: 0] += 1
                continue
            }
            guard let service = mapping.service(String(sourceID), monetization: monetization, unmapped: &unmapped)
            else { continue }
            let quality: VideoQuality?
            switch source["format"]?.string?.uppercased() {
            case "SD": quality = .sd
            case "HD": quality = .hd
            case "4K", "UHD": quality = .uhd
            default: quality = nil
            }
            let deepLink = [source["ios_url"]?.string, source["android_url"]?.string].compactMap { $0 }
                .first { $0 != paidPlanPlaceholder }
            offers.append(
                Offer(
                    country: region,
                    service: service,
                    monetization: monetization,
                    price: ProviderValues.price(
                        source["price"]?.decimalText,
                        currency: mapping.currency(country: region)
                    ),
                    quality: quality,
                    webURL: source["web_url"]?.string,
                    deepLink: deepLink
                )
            )
        }
        record.offers = ProviderValues.distinctOffers(offers)
        return record
    }

    // MARK: Streams

    /// `/list-titles` page by page, with details for each id, a few ids per committed page.
    struct ListingStream: IngestStream {
        struct State: Codable {
            var page = 1
            var offset = 0
            var checkedCatalog = false
            var done: Bool?
        }

        let connector: WatchmodeConnector
        let options: ListingOptions
        let name: String
        var source: String { provider }
        var cursorKind: CursorKind { .page }
        var isFullListing: Bool { true }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            var state = try CursorCoding.decode(State.self, from: cursor, stream: name) ?? State()
            if state.done == true { state = State() }
            if !state.checkedCatalog {
                return try await checkCatalog(state)
            }
            // All regions in one listing: a title available in several is fetched once.
            let region = options.regions.joined(separator: ",")
            let call = ProviderCall(
                path: "list-titles",
                query: [
                    ("regions", region), ("source_types", options.sourceTypes.joined(separator: ",")),
                    ("types", options.types.joined(separator: ",")), ("sort_by", "popularity_desc"),
                    ("page", String(state.page)), ("limit", String(options.pageSize)),
                ]
            )
            let (response, body) = try await connector.lists.read(call, stream: name, client: connector.client)
            guard let titles = body["titles"]?.array else {
                throw ConnectorError.unreadablePage(location: call.location, reason: "no 'titles' array")
            }
            let ids = titles.compactMap { $0["id"]?.int.map(String.init) }
            let chunk = Array(ids.dropFirst(state.offset).prefix(options.detailsPerPage))
            var next = state
            if let position = WatchmodeConnector.advance(
                page: state.page,
                offset: state.offset,
                chunk: chunk.count,
                ids: ids.count,
                body: body
            ) {
                (next.page, next.offset) = position
            } else {
                next.done = true
            }
            var builder = PageBuilder(
                payloads: state.offset == 0 ? [RawPayload(body: response.body, location: call.location)] : [],
                cursor: CursorCoding.encode(next),
                isLast: next.done == true
            )
            if let pages = body["total_pages"]?.int, pages > 0 {
                builder.page.progress = next.done == true ? 1 : min(Double(next.page - 1) / Double(pages), 1)
            }
            builder.page.completesPass = next.done == true
            try await connector.addDetails(chunk, to: &builder)
            return builder.page
        }

        /// `/sources` and `/regions`: counts services the mapping lacks and regions Watchmode
        /// does not cover, before any title is fetched.
        private func checkCatalog(_ state: State) async throws -> FetchedPage {
            let sourcesCall = ProviderCall(
                path: "sources",
                query: [("regions", options.regions.joined(separator: ","))]
            )
            let regionsCall = ProviderCall(path: "regions")
            let sources = try await connector.client.send(sourcesCall)
            let regions = try await connector.client.send(regionsCall)
            var next = state
            next.checkedCatalog = true
            var page = FetchedPage(
                payloads: [
                    RawPayload(body: sources.body, location: sourcesCall.location),
                    RawPayload(body: regions.body, location: regionsCall.location),
                ],
                cursor: CursorCoding.encode(next),
                isLast: false
            )
            for source in (try? JSONValue.parse(sources.body))?.array ?? [] {
                if let id = source["id"]?.int, connector.mapping.services[String(id)] == nil {
                    page.unmapped["service:\(id) (\(source["name"]?.string ?? "?"))", default: 0] += 1
                }
            }
            let known = Set(((try? JSONValue.parse(regions.body))?.array ?? []).compactMap { $0["country"]?.string })
            for region in options.regions where !known.isEmpty && !known.contains(region) {
                page.unmapped["region:\(region)", default: 0] += 1
            }
            return page
        }
    }

    /// The `/changes/*` endpoints over day windows; the full listing when the plan refuses them.
    struct ChangesStream: IngestStream {
        struct State: Codable {
            var highWater: Date?
            var window: TimeWindow?
            var endpoint = 0
            var page = 1
            var offset = 0
            /// Set while the plan refuses the changes endpoints: the listing's cursor.
            var fallback: String?
            var inFallback: Bool?
        }

        let connector: WatchmodeConnector
        let options: ChangesOptions
        var name: String { "changes" }
        var source: String { provider }
        var cursorKind: CursorKind { .window }
        var isFullListing: Bool { false }
        var supportsWindows: Bool { true }

        func next(after cursor: String?, window requested: TimeWindow?) async throws -> FetchedPage {
            var state = try CursorCoding.decode(State.self, from: cursor, stream: name) ?? State()
            if state.inFallback == true {
                return try await fallback(state)
            }
            let now = connector.now()
            let limit = requested?.to ?? now
            if state.window == nil {
                let from =
                    requested?.from ?? state.highWater ?? now.addingTimeInterval(-Double(options.lookbackDays) * 86_400)
                guard from < limit else {
                    return FetchedPage(payloads: [], cursor: CursorCoding.encode(state), isLast: true)
                }
                state.window = TimeWindow(from: from, to: limit)
            }
            let window = state.window!
            let endpoint = options.endpoints[state.endpoint]
            let call = ProviderCall(
                path: "changes/\(endpoint)",
                query: [
                    ("start_date", Self.day(window.from)), ("end_date", Self.day(window.to)),
                    ("regions", options.fallback.regions.joined(separator: ",")),
                    ("page", String(state.page)), ("limit", "250"),
                ]
            )
            let response: HTTPResponse
            let body: JSONValue
            do {
                (response, body) = try await connector.lists.read(call, stream: name, client: connector.client)
            } catch ConnectorError.forbidden {
                // The plan does not include the changes endpoints: fall back to full listings.
                var fallbackState = state
                fallbackState.inFallback = true
                var page = FetchedPage(payloads: [], cursor: CursorCoding.encode(fallbackState), isLast: false)
                page.unmapped["plan:changes endpoints refused; using the full listing"] = 1
                return page
            }
            guard let titles = body["titles"]?.array else {
                throw ConnectorError.unreadablePage(location: call.location, reason: "no 'titles' array")
            }
            let ids = titles.compactMap { $0.int.map(String.init) ?? $0["id"]?.int.map(String.init) }
            let chunk = Array(ids.dropFirst(state.offset).prefix(options.fallback.detailsPerPage))
            var next = state
            var isLast = false
            if let position = WatchmodeConnector.advance(
                page: state.page,
                offset: state.offset,
                chunk: chunk.count,
                ids: ids.count,
                body: body
            ) {
                (next.page, next.offset) = position
            } else if state.endpoint + 1 < options.endpoints.count {
                next.endpoint += 1
                next.page = 1
                next.offset = 0
            } else {
                next = State(highWater: window.to)
                isLast = true
            }
            var builder = PageBuilder(
                payloads: state.offset == 0 ? [RawPayload(body: response.body, location: call.location)] : [],
                cursor: CursorCoding.encode(next),
                isLast: isLast
            )
            try await connector.addDetails(chunk, to: &builder)
            return builder.page
        }

        private func fallback(_ state: State) async throws -> FetchedPage {
            let listing = ListingStream(connector: connector, options: options.fallback, name: name)
            var page = try await listing.next(after: state.fallback, window: nil)
            var next = state
            next.fallback = page.cursor
            if page.isLast {
                // Try the changes endpoints again next run; the plan may have changed.
                next = State(highWater: connector.now())
            }
            page.cursor = CursorCoding.encode(next)
            page.completesPass = false
            return page
        }

        /// `YYYYMMDD`, as the changes endpoints take dates.
        static func day(_ date: Date) -> String {
            ProviderValues.utcDay(date).replacingOccurrences(of: "-", with: "")
        }
    }

    /// `/title-leaving-dates`: the titles whose offers end soon, with `expiresOn` set.
    struct LeavingStream: IngestStream {
        struct State: Codable {
            var page = 1
            var offset = 0
            var done: Bool?
        }

        let connector: WatchmodeConnector
        let options: ListingOptions
        var name: String { "leaving" }
        var source: String { provider }
        var cursorKind: CursorKind { .page }
        var isFullListing: Bool { false }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            var state = try CursorCoding.decode(State.self, from: cursor, stream: name) ?? State()
            if state.done == true { state = State() }
            let call = ProviderCall(
                path: "title-leaving-dates",
                query: [
                    ("regions", options.regions.joined(separator: ",")), ("page", String(state.page)), ("limit", "250"),
                ]
            )
            let (response, body) = try await connector.lists.read(call, stream: name, client: connector.client)
            guard let titles = body["titles"]?.array else {
                throw ConnectorError.unreadablePage(location: call.location, reason: "no 'titles' array")
            }
            var unmapped: [String: Int] = [:]
            var expiries: [String: [(service: String, country: String, date: String)]] = [:]
            var ids: [String] = []
            for title in titles {
                guard let id = title["id"]?.int.map(String.init),
                    let date = ProviderValues.isoDate(title["leaving_date"]?.string),
                    let sourceID = title["source_id"]?.int, let region = title["region"]?.string?.uppercased(),
                    let service = connector.mapping.service(String(sourceID), unmapped: &unmapped)
                else { continue }
                if expiries[id] == nil { ids.append(id) }
                expiries[id, default: []].append((service, region, date))
            }
            let chunk = Array(ids.dropFirst(state.offset).prefix(options.detailsPerPage))
            var next = state
            if let position = WatchmodeConnector.advance(
                page: state.page,
                offset: state.offset,
                chunk: chunk.count,
                ids: ids.count,
                body: body
            ) {
                (next.page, next.offset) = position
            } else {
                next.done = true
            }
            var builder = PageBuilder(
                payloads: state.offset == 0 ? [RawPayload(body: response.body, location: call.location)] : [],
                cursor: CursorCoding.encode(next),
                isLast: next.done == true
            )
            builder.page.unmapped = unmapped
            try await connector.addDetails(chunk, to: &builder, expiries: expiries)
            return builder.page
        }
    }
}
