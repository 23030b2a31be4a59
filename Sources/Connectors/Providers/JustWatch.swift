import Foundation
import HTTPClient
import MediaModel

/// JustWatch's GraphQL API (`POST apis.justwatch.com/graphql`, unofficial, no key; be polite).
///
/// Streams: `popular` — `popularTitles` per country with `first`/`offset` paging; the API
/// returns nothing past an offset ceiling (about 2,000), so a slice that reaches it is split by
/// release-year range until every slice fits; `new` — `newTitles` per country and day with
/// `after` cursors, the incremental stream. GraphQL `errors[]` in a 200 response are errors.
public struct JustWatchConnector: Sendable {
    public static let provider = "justwatch"
    static let streamNames = ["popular", "new"]

    let client: ProviderClient
    let mapping: Mapping
    let popular: PopularOptions?
    let newTitles: NewOptions?
    let language: String
    let now: @Sendable () -> Date

    struct PopularOptions: Sendable {
        var countries: [String]
        var packages: [String]
        var pageSize: Int
        var offsetCeiling: Int
        var years: ClosedRange<Int>
    }

    struct NewOptions: Sendable {
        var countries: [String]
        var pageSize: Int
        var lookbackDays: Int
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
        language = "en"
        let popularKeys = ["countries", "packages", "page_size", "offset_ceiling", "first_year"]
        if let options = try configuration.stream("popular", allowed: popularKeys) {
            let thisYear = Calendar(identifier: .gregorian).component(.year, from: now())
            popular = PopularOptions(
                countries: try options["countries"]?.strings().map { $0.uppercased() } ?? ["US"],
                packages: try options["packages"]?.strings() ?? [],
                pageSize: try options["page_size"]?.int(in: 1...100) ?? 40,
                offsetCeiling: try options["offset_ceiling"]?.int(in: 1...100_000) ?? 1900,
                years: (try options["first_year"]?.int(in: 1870...thisYear) ?? 1900)...(thisYear + 1)
            )
        } else {
            popular = nil
        }
        if let options = try configuration.stream("new", allowed: ["countries", "page_size", "lookback_days"]) {
            newTitles = NewOptions(
                countries: try options["countries"]?.strings().map { $0.uppercased() } ?? ["US"],
                pageSize: try options["page_size"]?.int(in: 1...100) ?? 40,
                lookbackDays: try options["lookback_days"]?.int(in: 0...60) ?? 1
            )
        } else {
            newTitles = nil
        }
    }

    public var streams: [any IngestStream] {
        var streams: [any IngestStream] = []
        if let popular { streams.append(PopularStream(connector: self, options: popular)) }
        if let newTitles { streams.append(NewTitlesStream(connector: self, options: newTitles)) }
        return streams
    }

    /// JustWatch answers GraphQL errors with status 200 and an `errors` array.
    @Sendable static func verdict(_ response: HTTPResponse) -> Verdict {
        let standard = ProviderClient.standardVerdict(response)
        guard standard == .success, response.body.containsBytes(Data("\"errors\"".utf8)),
            let errors = (try? JSONValue.parse(response.body))?["errors"]?.array, !errors.isEmpty
        else { return standard }
        let message = errors.compactMap { $0["message"]?.string }.joined(separator: "; ")
        if message.localizedCaseInsensitiveContains("rate limit") || message.localizedCaseInsensitiveContains("timeout")
        {
            return .retry(after: nil, reason: "GraphQL: \(message)")
        }
        return .failure("GraphQL errors: \(message)")
    }

    static let titleFields = """
        id objectId objectType
        content(country: $country, language: $language) {
          title originalTitle originalReleaseYear originalReleaseDate runtime shortDescription posterUrl
          genres { shortName translation(language: $language) }
          externalIds { imdbId tmdbId }
          scoring { imdbScore imdbVotes tmdbScore }
          credits { role name }
        }
        offers(country: $country, platform: WEB) {
          monetizationType presentationType retailPriceValue currency standardWebURL availableTo dateCreated
          package { packageId shortName clearName }
        }
        """

    static let popularQuery = """
        query GetPopularTitles($country: Country!, $language: Language!, $first: Int!, $offset: Int, $filter: TitleFilter) {
          popularTitles(country: $country, first: $first, offset: $offset, filter: $filter, sortBy: POPULAR, sortRandomSeed: 0) {
            totalCount
            edges { node { \(titleFields) } }
          }
        }
        """

    static let newTitlesQuery = """
        query GetNewTitles($country: Country!, $language: Language!, $date: Date!, $first: Int!, $after: String) {
          newTitles(country: $country, date: $date, first: $first, after: $after, pageType: NEW, filter: {}) {
            totalCount
            pageInfo { endCursor hasNextPage }
            edges { cursor node { \(titleFields) } }
          }
        }
        """

    /// Posts one GraphQL operation; `location` names it in the archive and in errors.
    func query(_ operation: String, _ text: String, variables: JSONObject, location: String) async throws
        -> (HTTPResponse, JSONValue)
    {
        let payload: JSONValue = .object([
            "operationName": .string(operation), "query": .string(text), "variables": .object(variables),
        ])
        let body = Data(payload.serialized.utf8)
        let call = ProviderCall(method: "POST", path: "", headers: ["Content-Type": "application/json"], body: body)
        let response = try await client.send(call)
        return (response, try JSONValue.page(response.body, location: location))
    }

    // MARK: Mapping

    static func record(node: JSONValue, country: String, mapping: Mapping, unmapped: inout [String: Int]) throws
        -> SourceRecord
    {
        let nodeID = try node.require("id")
        let kind: TitleKind
        switch node["objectType"]?.string {
        case "MOVIE": kind = .movie
        case "SHOW": kind = .series
        case "SHOW_SEASON": kind = .season
        case "SHOW_EPISODE": kind = .episode
        case let other: throw MappingError("unknown objectType '\(other ?? "null")'")
        }
        guard let content = node["content"] else { throw MappingError("missing field 'content'") }
        var record = SourceRecord(
            source: provider,
            id: "\(nodeID)@\(country.lowercased())",
            kind: kind,
            title: try content.require("title")
        )
        record.originalTitle = content["originalTitle"]?.string
        record.year = content["originalReleaseYear"]?.int
        record.releaseDate = ProviderValues.isoDate(content["originalReleaseDate"]?.string)
        record.runtimeMinutes = content["runtime"]?.int.flatMap { $0 > 0 ? $0 : nil }
        record.overview = content["shortDescription"]?.string
        record.genres = mapping.genres(
            (content["genres"]?.array ?? []).compactMap { $0["shortName"]?.string ?? $0["translation"]?.string },
            unmapped: &unmapped
        )
        let credits = content["credits"]?.array ?? []
        let directors = credits.filter { $0["role"]?.string == "DIRECTOR" }.compactMap { $0["name"]?.string }
        let cast = credits.filter { $0["role"]?.string == "ACTOR" }.compactMap { $0["name"]?.string }
        record.directors = directors.isEmpty ? nil : directors
        record.cast = cast.isEmpty ? nil : cast
        var ids = ExternalIDs(imdb: content["externalIds"]?["imdbId"]?.string)
        if let tmdb = content["externalIds"]?["tmdbId"]?.int {
            if kind == .movie { ids.tmdbMovie = tmdb } else if kind == .series { ids.tmdbTV = tmdb }
        }
        record.externalIDs = ids.isEmpty ? nil : ids
        var ratings: [Rating] = []
        if let score = content["scoring"]?["imdbScore"]?.double {
            ratings.append(
                Rating(source: "imdb", value: score, scale: 10, votes: content["scoring"]?["imdbVotes"]?.int)
            )
        }
        if let score = content["scoring"]?["tmdbScore"]?.double {
            ratings.append(Rating(source: "tmdb", value: score, scale: 10))
        }
        record.ratings = ratings.isEmpty ? nil : ratings
        if let poster = content["posterUrl"]?.string {
            let path = poster.replacingOccurrences(of: "{profile}", with: "s718").replacingOccurrences(
                of: "{format}",
                with: "jpg"
            )
            record.images = [
                Image(kind: "poster", url: path.hasPrefix("http") ? path : "https://images.justwatch.com\(path)")
            ]
        }
        var offers: [Offer] = []
        for offer in node["offers"]?.array ?? [] {
            let monetization: Monetization
            switch offer["monetizationType"]?.string {
            case "FLATRATE", "FLATRATE_AND_BUY": monetization = .subscription
            case "FREE": monetization = .free
            case "ADS": monetization = .ads
            case "RENT": monetization = .rent
            case "BUY": monetization = .buy
            case let other:
                unmapped["monetization:\(other ?? "null")", default: 0] += 1
                continue
            }
            guard
                let package = offer["package"]?["shortName"]?.string
                    ?? offer["package"]?["packageId"]?.int.map(String.init),
                let service = mapping.service(package, monetization: monetization, unmapped: &unmapped)
            else { continue }
            let quality: VideoQuality?
            switch offer["presentationType"]?.string {
            case "SD": quality = .sd
            case "HD": quality = .hd
            case "_4K", "4K": quality = .uhd
            default: quality = nil
            }
            offers.append(
                Offer(
                    country: country.uppercased(),
                    service: service,
                    monetization: monetization,
                    price: ProviderValues.price(
                        offer["retailPriceValue"]?.decimalText,
                        currency: offer["currency"]?.string
                    ),
                    quality: quality,
                    webURL: offer["standardWebURL"]?.string,
                    availableSince: ProviderValues.isoDate(offer["dateCreated"]?.string),
                    expiresOn: ProviderValues.isoDate(offer["availableTo"]?.string)
                )
            )
        }
        record.offers = ProviderValues.distinctOffers(offers)
        return record
    }

    // MARK: Streams

    /// Popular titles per country, offset paged, slices split by year past the offset ceiling.
    struct PopularStream: IngestStream {
        struct Slice: Codable, Equatable {
            var firstYear: Int
            var lastYear: Int
        }

        struct State: Codable {
            var country = 0
            var slices: [Slice] = []
            var offset = 0
            var done: Bool?
        }

        let connector: JustWatchConnector
        let options: PopularOptions
        var name: String { "popular" }
        var source: String { provider }
        var cursorKind: CursorKind { .page }
        var isFullListing: Bool { false }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            var state = try CursorCoding.decode(State.self, from: cursor, stream: name) ?? State()
            if state.done == true || state.country >= options.countries.count { state = State() }
            if state.slices.isEmpty {
                state.slices = [Slice(firstYear: options.years.lowerBound, lastYear: options.years.upperBound)]
            }
            let country = options.countries[state.country]
            let slice = state.slices[0]
            var filter: JSONObject = [
                "releaseYear": .object([
                    "min": .number(String(slice.firstYear)), "max": .number(String(slice.lastYear)),
                ])
            ]
            if !options.packages.isEmpty {
                filter.members.append(("packages", .array(options.packages.map(JSONValue.string))))
            }
            let location =
                "POST graphql GetPopularTitles?country=\(country)&years=\(slice.firstYear)-\(slice.lastYear)&offset=\(state.offset)"
            let (response, body) = try await connector.query(
                "GetPopularTitles",
                JustWatchConnector.popularQuery,
                variables: [
                    "country": .string(country), "language": .string(connector.language),
                    "first": .number(String(options.pageSize)), "offset": .number(String(state.offset)),
                    "filter": .object(filter),
                ],
                location: location
            )
            guard let edges = body["data"]?["popularTitles"]?["edges"]?.array else {
                throw ConnectorError.unreadablePage(location: location, reason: "no data.popularTitles.edges")
            }
            var next = state
            var unmapped: [String: Int] = [:]
            let full = edges.count >= options.pageSize
            // A slice whose `totalCount` exceeds the ceiling is split at its first page, before
            // paging through titles its halves would read again; at the ceiling itself the
            // provider returns a short or empty page although more titles exist.
            let total = body["data"]?["popularTitles"]?["totalCount"]?.int
            let tooLarge = state.offset == 0 && (total ?? 0) > options.offsetCeiling && slice.firstYear < slice.lastYear
            if tooLarge || (!edges.isEmpty && state.offset + edges.count >= options.offsetCeiling) {
                // The listing goes on past what offsets can reach: split the slice by years.
                if slice.firstYear < slice.lastYear {
                    let middle = (slice.firstYear + slice.lastYear) / 2
                    next.slices =
                        [
                            Slice(firstYear: slice.firstYear, lastYear: middle),
                            Slice(firstYear: middle + 1, lastYear: slice.lastYear),
                        ] + state.slices.dropFirst()
                    next.offset = 0
                } else {
                    unmapped["ceiling:\(country) \(slice.firstYear) has more titles than offsets reach"] = 1
                    advance(&next)
                }
            } else if full {
                next.offset += options.pageSize
            } else {
                advance(&next)
            }
            var builder = PageBuilder(
                payloads: [RawPayload(body: response.body, location: location)],
                cursor: CursorCoding.encode(next),
                isLast: next.done == true
            )
            builder.page.progress =
                next.done == true ? 1 : Double(next.country) / Double(max(options.countries.count, 1))
            builder.page.unmapped = unmapped
            builder.addEach(edges.compactMap { $0["node"] }, location: { "\(location) · edges[\($0)]" }) {
                node,
                unmapped in
                [
                    try JustWatchConnector.record(
                        node: node,
                        country: country,
                        mapping: connector.mapping,
                        unmapped: &unmapped
                    )
                ]
            }
            return builder.page
        }

        private func advance(_ state: inout State) {
            state.slices.removeFirst()
            state.offset = 0
            if state.slices.isEmpty {
                if state.country + 1 < options.countries.count {
                    state = State(country: state.country + 1)
                } else {
                    state.done = true
                }
            }
        }
    }

    /// New titles per country and day, `after`-cursor paged, from the high-water day to today.
    struct NewTitlesStream: IngestStream {
        struct State: Codable {
            /// Days before this one are staged.
            var day: String?
            var country = 0
            var after: String?
        }

        let connector: JustWatchConnector
        let options: NewOptions
        var name: String { "new" }
        var source: String { provider }
        var cursorKind: CursorKind { .opaque }
        var isFullListing: Bool { false }
        var supportsWindows: Bool { true }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            let calendar = Self.calendar
            let today =
                window.map { Self.format(calendar.date(byAdding: .second, value: -1, to: $0.to)!) }
                ?? Self.format(connector.now())
            var state = try CursorCoding.decode(State.self, from: cursor, stream: name) ?? State()
            if state.day == nil {
                let start =
                    window?.from ?? calendar.date(byAdding: .day, value: -options.lookbackDays, to: connector.now())!
                state.day = Self.format(start)
            }
            let day = state.day!
            guard day <= today else {
                return FetchedPage(payloads: [], cursor: CursorCoding.encode(State(day: today)), isLast: true)
            }
            let country = options.countries[state.country]
            var variables: JSONObject = [
                "country": .string(country), "language": .string(connector.language), "date": .string(day),
                "first": .number(String(options.pageSize)),
            ]
            if let after = state.after { variables.members.append(("after", .string(after))) }
            let location = "POST graphql GetNewTitles?country=\(country)&date=\(day)&after=\(state.after ?? "")"
            let (response, body) = try await connector.query(
                "GetNewTitles",
                JustWatchConnector.newTitlesQuery,
                variables: variables,
                location: location
            )
            guard let connection = body["data"]?["newTitles"], let edges = connection["edges"]?.array else {
                throw ConnectorError.unreadablePage(location: location, reason: "no data.newTitles.edges")
            }
            var next = state
            var isLast = false
            if connection["pageInfo"]?["hasNextPage"]?.bool == true,
                let end = connection["pageInfo"]?["endCursor"]?.string
            {
                next.after = end
            } else if state.country + 1 < options.countries.count {
                next.country += 1
                next.after = nil
            } else if day < today {
                next = State(day: Self.format(calendar.date(byAdding: .day, value: 1, to: Self.parse(day)!)!))
            } else {
                // Today is not over: the next run reads it again (what it has seen comes back unchanged).
                next = State(day: day)
                isLast = true
            }
            var builder = PageBuilder(
                payloads: [RawPayload(body: response.body, location: location)],
                cursor: CursorCoding.encode(next),
                isLast: isLast
            )
            builder.addEach(edges.compactMap { $0["node"] }, location: { "\(location) · edges[\($0)]" }) {
                node,
                unmapped in
                [
                    try JustWatchConnector.record(
                        node: node,
                        country: country,
                        mapping: connector.mapping,
                        unmapped: &unmapped
                    )
                ]
            }
            return builder.page
        }

        static let calendar: Calendar = {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            return calendar
        }()

        static func format(_ date: Date) -> String {
            ProviderValues.utcDay(date)
        }

        static func parse(_ day: String) -> Date? {
            let parts = day.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3 else { return nil }
            return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
        }
    }
}
