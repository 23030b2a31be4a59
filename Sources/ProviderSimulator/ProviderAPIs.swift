import Foundation
import MediaModel

/// Provider vocabularies the simulated providers speak.
enum Vocabulary {
    static func streamingAvailabilityGenre(_ genre: Genre) -> String {
        genre == .scienceFiction ? "scifi" : genre.rawValue
    }

    static let watchmodeGenres: [Genre: (Int, String)] = [
        .action: (1, "Action"), .adventure: (2, "Adventure"), .animation: (3, "Animation"), .comedy: (4, "Comedy"),
        .crime: (5, "Crime"), .documentary: (6, "Documentary"), .drama: (7, "Drama"), .family: (8, "Family"),
        .fantasy: (9, "Fantasy"), .history: (10, "History"), .horror: (11, "Horror"), .music: (12, "Music"),
        .mystery: (13, "Mystery"), .romance: (14, "Romance"), .scienceFiction: (15, "Science Fiction"),
        .thriller: (17, "Thriller"), .war: (18, "War"), .western: (19, "Western"), .kids: (21, "Kids"),
        .news: (22, "News"), .reality: (23, "Reality"), .talk: (25, "Talk"), .sport: (26, "Sports"),
        .biography: (27, "Biography"), .musical: (28, "Musical"),
    ]

    static let justWatchGenres: [Genre: String] = [
        .action: "act", .adventure: "act", .animation: "ani", .comedy: "cmy", .crime: "crm", .documentary: "doc",
        .drama: "drm", .fantasy: "fnt", .history: "hst", .horror: "hrr", .family: "fml", .kids: "fml", .music: "msc",
        .musical: "msc", .mystery: "trl", .thriller: "trl", .romance: "rma", .scienceFiction: "scf", .sport: "spt",
        .war: "war", .western: "wsn", .reality: "rly", .biography: "hst", .news: "doc", .talk: "rly",
    ]

    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    static func price(_ cents: Int) -> String {
        String(format: "%d.%02d", cents / 100, cents % 100)
    }

    static func currency(_ country: String) -> String {
        country == "GB" ? "GBP" : "USD"
    }
}

/// Streaming Availability v4 over the simulated world.
struct StreamingAvailabilityAPI {
    let world: SimulatedWorld
    let pageSize: Int

    func handle(_ request: SimulatedRequest) -> SimulatedResponse {
        let path = request.path.dropFirst("/v4/".count)
        if path == "shows/search/filters" { return filters(request) }
        if path == "changes" { return changes(request) }
        if path.hasPrefix("shows/") {
            let id = String(path.dropFirst("shows/".count))
            let title = world.titles.first {
                $0.onStreamingAvailability && (String($0.index + 1) == id || $0.imdb == id)
            }
            guard let title else { return .json(["message": "show not found"], status: 404) }
            return .json(show(title, countries: nil))
        }
        return .json(["message": "not found"], status: 404)
    }

    func listed(_ title: SimulatedWorld.Title, country: String, catalogs: Set<String>?) -> Bool {
        title.onStreamingAvailability
            && title.offers.contains { offer in
                offer.country == country
                    && (catalogs?.contains(SimulatedWorld.services[offer.service].streamingAvailability) ?? true)
            }
    }

    func filters(_ request: SimulatedRequest) -> SimulatedResponse {
        guard let country = request.query["country"]?.uppercased() else {
            return .json(["message": "country is required"], status: 400)
        }
        let catalogs = request.query["catalogs"].map {
            Set($0.split(separator: ",").map { String($0.split(separator: ".")[0]) })
        }
        var start = 0
        if let cursor = request.query["cursor"] {
            guard let value = cursor.split(separator: ":").first.flatMap({ Int($0) }) else {
                return .json(["message": "invalid cursor"], status: 400)
            }
            start = value
        }
        let matching = world.titles[min(max(0, start), world.titles.count)...].lazy.filter {
            listed($0, country: country, catalogs: catalogs)
        }
        let page = Array(matching.prefix(pageSize + 1))
        var body: [String: Any] = [
            "shows": page.prefix(pageSize).map { show($0, countries: [country]) }, "hasMore": page.count > pageSize,
        ]
        if page.count > pageSize { body["nextCursor"] = "\(page[pageSize].index):\(page[pageSize].title)" }
        return .json(body)
    }

    func changes(_ request: SimulatedRequest) -> SimulatedResponse {
        guard let country = request.query["country"]?.uppercased(), let type = request.query["change_type"],
            let from = request.query["from"].flatMap(Double.init), let to = request.query["to"].flatMap(Double.init)
        else { return .json(["message": "country, change_type, from and to are required"], status: 400) }
        guard to - from <= 31 * 86_400 + 1 else {
            return .json(["message": "from and to must be at most 31 days apart"], status: 400)
        }
        let start = Int(request.query["cursor"] ?? "0") ?? 0
        let matching = world.titles[min(max(0, start), world.titles.count)...].lazy.filter { title in
            let stamp = title.changedAt.timeIntervalSince1970
            let parity = type == "new" ? 0 : type == "updated" ? 1 : -1
            return title.index % 2 == parity && stamp >= from && stamp < to
                && listed(title, country: country, catalogs: nil)
        }
        let page = Array(matching.prefix(pageSize + 1))
        var shows: [String: Any] = [:]
        var changes: [[String: Any]] = []
        for title in page.prefix(pageSize) {
            shows[String(title.index + 1)] = show(title, countries: [country])
            let offer = title.offers.first { $0.country == country }!
            changes.append([
                "changeType": type, "itemType": "show", "showId": String(title.index + 1),
                "showType": title.kind == .movie ? "movie" : "series",
                "service": [
                    "id": SimulatedWorld.services[offer.service].streamingAvailability,
                    "name": SimulatedWorld.services[offer.service].name,
                ],
                "streamingOptionType": offer.monetization.rawValue,
                "timestamp": Int(title.changedAt.timeIntervalSince1970),
            ])
        }
        var body: [String: Any] = ["changes": changes, "shows": shows, "hasMore": page.count > pageSize]
        if page.count > pageSize { body["nextCursor"] = String(page[pageSize].index) }
        return .json(body)
    }

    func show(_ title: SimulatedWorld.Title, countries: [String]?) -> [String: Any] {
        let id = title.index + 1
        var show: [String: Any] = [
            "itemType": "show", "showType": title.kind == .movie ? "movie" : "series", "id": String(id),
            "imdbId": title.imdb, "tmdbId": "\(title.kind == .movie ? "movie" : "tv")/\(title.tmdb)",
            "title": title.title,
            "originalTitle": title.title, "overview": title.overview,
            "genres": title.genres.map {
                ["id": Vocabulary.streamingAvailabilityGenre($0), "name": $0.rawValue.capitalized]
            },
            "cast": title.cast, "rating": 50 + Int(title.variation % 40),
            "imageSet": [
                "verticalPoster": [
                    "w240": "https://cdn.example.invalid/show/\(id)/poster/240.jpg",
                    "w480": "https://cdn.example.invalid/show/\(id)/poster/480.jpg",
                ]
            ],
        ]
        if title.kind == .movie {
            show["releaseYear"] = title.year
            show["directors"] = title.directors
            show["runtime"] = title.runtime
        } else {
            show["firstAirYear"] = title.year
            show["lastAirYear"] = title.year + 2
            show["creators"] = title.directors
            show["seasonCount"] = 2
        }
        var options: [String: [[String: Any]]] = [:]
        for offer in title.offers where countries?.contains(offer.country) ?? true {
            let service = SimulatedWorld.services[offer.service]
            var option: [String: Any] = [
                "service": [
                    "id": service.streamingAvailability, "name": service.name,
                    "homePage": "https://\(service.canonical).example.invalid/",
                ],
                "type": offer.monetization.rawValue, "link": "https://\(service.canonical).example.invalid/title/\(id)",
                "quality": title.variation % 3 == 0 ? "uhd" : "hd", "audios": [["language": "eng"]], "subtitles": [],
                "expiresSoon": false, "availableSince": Int(title.changedAt.timeIntervalSince1970) - 86_400,
            ]
            if let cents = offer.cents {
                option["price"] = [
                    "amount": Vocabulary.price(cents), "currency": Vocabulary.currency(offer.country),
                    "formatted": "\(Vocabulary.price(cents)) \(Vocabulary.currency(offer.country))",
                ]
            }
            options[offer.country.lowercased(), default: []].append(option)
        }
        show["streamingOptions"] = options
        return show
    }
}

/// Watchmode v1 over the simulated world.
struct WatchmodeAPI {
    let world: SimulatedWorld
    let memo: Memo
    let changesAllowed: Bool

    func handle(_ request: SimulatedRequest) -> SimulatedResponse {
        let path = request.path.dropFirst("/v1/".count).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        switch path {
        case "list-titles": return list(request)
        case "sources":
            return .json(
                SimulatedWorld.services.map {
                    ["id": $0.watchmode, "name": $0.name, "type": "sub", "regions": SimulatedWorld.countries]
                }
            )
        case "regions":
            return .json(
                SimulatedWorld.countries.map { ["country": $0, "name": $0, "data_tier": 1, "plan_enabled": true] }
            )
        case "title-leaving-dates": return leaving(request)
        default: break
        }
        if path.hasPrefix("changes/") {
            guard changesAllowed else {
                return .json(
                    [
                        "success": false, "statusCode": 403,
                        "statusMessage": "Your plan does not include this endpoint.",
                    ],
                    status: 403
                )
            }
            return changes(request, endpoint: String(path.dropFirst("changes/".count)))
        }
        let parts = path.split(separator: "/")
        if parts.count == 3, parts[0] == "title", parts[2] == "details", let id = Int(parts[1]),
            id >= 1_000_000, id - 1_000_000 < world.titles.count, world.titles[id - 1_000_000].onWatchmode
        {
            return .json(
                details(
                    world.titles[id - 1_000_000],
                    sources: request.query["append_to_response"]?.contains("sources") == true
                )
            )
        }
        return .json(
            ["success": false, "statusCode": 404, "statusMessage": "The resource does not exist."],
            status: 404
        )
    }

    func paged(_ items: [Any], key: String, request: SimulatedRequest) -> SimulatedResponse {
        let limit = min(250, max(1, Int(request.query["limit"] ?? "250") ?? 250))
        let page = max(1, Int(request.query["page"] ?? "1") ?? 1)
        let pages = max(1, (items.count + limit - 1) / limit)
        let slice = Array(items.dropFirst((page - 1) * limit).prefix(limit))
        return .json([key: slice, "page": page, "total_results": items.count, "total_pages": pages])
    }

    func list(_ request: SimulatedRequest) -> SimulatedResponse {
        let types = Set((request.query["types"] ?? "movie,tv_series").split(separator: ",").map(String.init))
        let regions = request.query["regions"].map { Set($0.split(separator: ",").map(String.init)) }
        let listed = memo.indices("watchmode-list|\(types.sorted())|\(regions?.sorted() ?? [])") {
            world.titles.filter { title in
                title.onWatchmode && types.contains(type(title))
                    && title.offers.contains { regions?.contains($0.country) ?? true }
            }.map(\.index)
        }
        let limit = min(250, max(1, Int(request.query["limit"] ?? "250") ?? 250))
        let page = max(1, Int(request.query["page"] ?? "1") ?? 1)
        let items: [Any] = listed.dropFirst((page - 1) * limit).prefix(limit).map { world.titles[$0] }.map { title in
            [
                "id": 1_000_000 + title.index, "title": name(title), "year": year(title),
                "imdb_id": imdb(title) ?? NSNull(), "tmdb_id": title.tmdb,
                "tmdb_type": title.kind == .movie ? "movie" : "tv", "type": type(title),
            ] as [String: Any]
        }
        return .json([
            "titles": items, "page": page, "total_results": listed.count,
            "total_pages": max(1, (listed.count + limit - 1) / limit),
        ])
    }

    func changes(_ request: SimulatedRequest, endpoint: String) -> SimulatedResponse {
        let endpoints = ["new_titles", "titles_sources_changed", "titles_details_changed"]
        guard let which = endpoints.firstIndex(of: endpoint) else {
            return .json(
                ["success": false, "statusCode": 400, "statusMessage": "Please set a valid change type method."],
                status: 400
            )
        }
        let start = request.query["start_date"] ?? "00000000"
        let end = request.query["end_date"] ?? "99999999"
        let ids: [Any] = world.titles.filter { title in
            let day = Vocabulary.day(title.changedAt).replacingOccurrences(of: "-", with: "")
            return title.onWatchmode && title.index % 3 == which && day >= start && day <= end
        }.map { 1_000_000 + $0.index }
        return paged(ids, key: "titles", request: request)
    }

    func leaving(_ request: SimulatedRequest) -> SimulatedResponse {
        var items: [Any] = []
        for title in world.titles where title.onWatchmode && title.index % 10 == 0 {
            for offer in title.offers where offer.monetization == .subscription {
                items.append(
                    [
                        "id": 1_000_000 + title.index, "title": name(title), "type": type(title),
                        "imdb_id": imdb(title) ?? NSNull(),
                        "source_id": SimulatedWorld.services[offer.service].watchmode,
                        "source_name": SimulatedWorld.services[offer.service].name,
                        "region": offer.country,
                        "leaving_date": Vocabulary.day(world.now.addingTimeInterval(14 * 86_400)),
                    ] as [String: Any]
                )
            }
        }
        return paged(items, key: "titles", request: request)
    }

    func type(_ title: SimulatedWorld.Title) -> String { title.kind == .movie ? "movie" : "tv_series" }

    /// Watchmode writes "&" where others write "and" for some titles.
    func name(_ title: SimulatedWorld.Title) -> String {
        title.variation & 1 == 1 ? title.title.replacingOccurrences(of: " and ", with: " & ") : title.title
    }

    func imdb(_ title: SimulatedWorld.Title) -> String? { (title.variation >> 4) % 100 < 15 ? nil : title.imdb }

    func year(_ title: SimulatedWorld.Title) -> Int { (title.variation >> 12) % 100 < 2 ? title.year + 1 : title.year }

    func details(_ title: SimulatedWorld.Title, sources: Bool) -> [String: Any] {
        let genres = title.genres.compactMap { Vocabulary.watchmodeGenres[$0] }
        var details: [String: Any] = [
            "id": 1_000_000 + title.index, "title": name(title), "original_title": name(title),
            "plot_overview": title.overview,
            "type": type(title), "runtime_minutes": title.kind == .movie ? title.runtime : NSNull(),
            "year": year(title),
            "end_year": NSNull(), "release_date": "\(year(title))-06-01", "imdb_id": imdb(title) ?? NSNull(),
            "tmdb_id": title.tmdb,
            "tmdb_type": title.kind == .movie ? "movie" : "tv", "genres": genres.map(\.0),
            "genre_names": genres.map(\.1),
            "user_rating": Double(50 + Int(title.variation % 45)) / 10, "critic_score": 40 + Int(title.variation % 55),
            "poster": "https://cdn.example.invalid/posters/\(title.index)_w185.jpg", "original_language": "en",
            "similar_titles": [], "networks": [], "network_names": [],
        ]
        if sources {
            details["sources"] = title.offers.map { offer -> [String: Any] in
                let service = SimulatedWorld.services[offer.service]
                let type: String
                switch offer.monetization {
                case .rent: type = "rent"
                case .buy: type = "buy"
                case .ads, .free: type = "free"
                default: type = "sub"
                }
                return [
                    "source_id": service.watchmode, "name": service.name, "type": type, "region": offer.country,
                    "ios_url": WatchmodeAPI.placeholder, "android_url": WatchmodeAPI.placeholder,
                    "web_url": "https://\(service.canonical).example.invalid/title/\(title.index + 1)",
                    "format": title.variation % 3 == 0 ? "4K" : "HD",
                    "price": offer.cents.map { Double($0) / 100 } ?? NSNull(), "seasons": NSNull(),
                    "episodes": NSNull(),
                ]
            }
        }
        return details
    }

    static let placeholder = "Deeplinks available for paid plans only."
}

/// JustWatch GraphQL over the simulated world.
struct JustWatchAPI {
    let world: SimulatedWorld
    let memo: Memo
    let offsetCeiling: Int

    func handle(_ request: SimulatedRequest) -> SimulatedResponse {
        guard request.method == "POST",
            let body = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
            let operation = body["operationName"] as? String
        else { return .json(["errors": [["message": "Must provide query string."]]], status: 400) }
        let variables = body["variables"] as? [String: Any] ?? [:]
        let country = (variables["country"] as? String ?? "US").uppercased()
        let first = variables["first"] as? Int ?? 40
        if first > 100 {
            return .json(["errors": [["message": "query complexity exceeds the maximum allowed"]], "data": NSNull()])
        }
        let available = memo.indices("justwatch|\(country)") {
            world.titles.filter { title in
                title.onJustWatch && title.offers.contains { $0.country == country }
            }.map(\.index)
        }.map { world.titles[$0] }
        switch operation {
        case "GetPopularTitles":
            let offset = variables["offset"] as? Int ?? 0
            let filter = variables["filter"] as? [String: Any] ?? [:]
            let years = filter["releaseYear"] as? [String: Any] ?? [:]
            let minYear = years["min"] as? Int ?? Int.min
            let maxYear = years["max"] as? Int ?? Int.max
            let matching = available.filter { ($0.year >= minYear) && ($0.year <= maxYear) }
            let edges =
                offset >= offsetCeiling
                ? [] : Array(matching.dropFirst(offset).prefix(min(first, offsetCeiling - offset)))
            return .json([
                "data": [
                    "popularTitles": [
                        "totalCount": matching.count, "edges": edges.map { ["node": node($0, country: country)] },
                    ]
                ]
            ])
        case "GetNewTitles":
            guard let date = variables["date"] as? String else {
                return .json([
                    "errors": [["message": "Variable \"$date\" of required type \"Date!\" was not provided."]],
                    "data": NSNull(),
                ])
            }
            let start =
                (variables["after"] as? String).flatMap { Data(base64Encoded: $0) }.flatMap {
                    Int(String(decoding: $0, as: UTF8.self))
                } ?? 0
            let matching = available.filter { Vocabulary.day($0.changedAt) == date }
            let page = Array(matching.dropFirst(start).prefix(first))
            let end = start + page.count
            let cursor = { (n: Int) in Data(String(n).utf8).base64EncodedString() }
            let edges = page.enumerated().map {
                ["cursor": cursor(start + $0.offset + 1), "node": node($0.element, country: country)]
            }
            return .json([
                "data": [
                    "newTitles": [
                        "totalCount": matching.count, "edges": edges,
                        "pageInfo": ["endCursor": cursor(end), "hasNextPage": end < matching.count],
                    ]
                ]
            ])
        default:
            return .json(["errors": [["message": "Unknown operation named \"\(operation)\"."]]], status: 400)
        }
    }

    func node(_ title: SimulatedWorld.Title, country: String) -> [String: Any] {
        let runtime =
            (title.variation >> 20) % 100 < 40 ? title.runtime + Int((title.variation >> 28) % 9) - 4 : title.runtime
        let imdb: Any = (title.variation >> 36) % 100 < 10 ? NSNull() : title.imdb
        let offers = title.offers.filter { $0.country == country }.map { offer -> [String: Any] in
            let service = SimulatedWorld.services[offer.service]
            let monetization: String
            switch offer.monetization {
            case .subscription: monetization = "FLATRATE"
            case .ads: monetization = "ADS"
            case .free: monetization = "FREE"
            case .rent: monetization = "RENT"
            case .buy: monetization = "BUY"
            case .addon: monetization = "FLATRATE"
            }
            return [
                "monetizationType": monetization, "presentationType": title.variation % 3 == 0 ? "_4K" : "HD",
                "retailPriceValue": offer.cents.map { Double($0) / 100 } ?? NSNull(),
                "currency": Vocabulary.currency(country),
                "standardWebURL": "https://\(service.canonical).example.invalid/title/\(title.index + 1)",
                "availableTo": NSNull(),
                "dateCreated": Vocabulary.day(title.changedAt),
                "package": ["packageId": service.watchmode, "shortName": service.justWatch, "clearName": service.name],
            ]
        }
        return [
            "__typename": title.kind == .movie ? "Movie" : "Show", "id": "tm\(10_000 + title.index)",
            "objectId": 10_000 + title.index,
            "objectType": title.kind == .movie ? "MOVIE" : "SHOW",
            "content": [
                "title": title.title, "originalReleaseYear": title.year, "originalReleaseDate": "\(title.year)-06-01",
                "runtime": runtime, "shortDescription": title.overview,
                "posterUrl": "/poster/\(title.index)/{profile}/poster.{format}",
                "genres": Array(Set(title.genres.compactMap { Vocabulary.justWatchGenres[$0] })).sorted().map {
                    ["shortName": $0]
                },
                "externalIds": ["imdbId": imdb, "tmdbId": String(title.tmdb)],
                "scoring": [
                    "imdbScore": Double(50 + Int(title.variation % 45)) / 10,
                    "imdbVotes": Int(title.variation % 100_000),
                ],
                "credits": title.directors.map { ["role": "DIRECTOR", "name": $0] }
                    + title.cast.map { ["role": "ACTOR", "name": $0] },
            ],
            "offers": offers,
        ]
    }
}

/// YouTube Data API v3 and Atom feeds over the simulated videos.
struct YouTubeAPI {
    let world: SimulatedWorld

    func handle(_ request: SimulatedRequest) -> SimulatedResponse {
        switch request.path {
        case "/youtube/v3/channels":
            let ids = (request.query["id"] ?? "").split(separator: ",").map(String.init)
            let items = ids.filter(SimulatedWorld.channels.contains).map { id -> [String: Any] in
                [
                    "kind": "youtube#channel", "id": id,
                    "contentDetails": ["relatedPlaylists": ["uploads": "UU" + id.dropFirst(2)]],
                ]
            }
            return .json([
                "kind": "youtube#channelListResponse", "pageInfo": ["totalResults": items.count, "resultsPerPage": 5],
                "items": items,
            ])
        case "/youtube/v3/playlistItems":
            guard let playlist = request.query["playlistId"], let channel = channel(playlist: playlist) else {
                return error(
                    404,
                    "playlistNotFound",
                    "The playlist identified with the request's playlistId parameter cannot be found."
                )
            }
            let videos = world.videos.filter { $0.channel == channel }
            let size = min(50, Int(request.query["maxResults"] ?? "5") ?? 5)
            let start = Int(request.query["pageToken"]?.dropFirst("page-".count) ?? "0") ?? 0
            let page = Array(videos.dropFirst(start).prefix(size))
            var body: [String: Any] = [
                "kind": "youtube#playlistItemListResponse",
                "pageInfo": ["totalResults": videos.count, "resultsPerPage": size],
                "items": page.map {
                    [
                        "kind": "youtube#playlistItem", "id": "PLI\($0.id)",
                        "contentDetails": ["videoId": $0.id, "videoPublishedAt": iso($0.published)],
                    ]
                },
            ]
            if start + size < videos.count { body["nextPageToken"] = "page-\(start + size)" }
            return .json(body)
        case "/youtube/v3/videos":
            let ids = Set((request.query["id"] ?? "").split(separator: ",").map(String.init))
            guard ids.count <= 50 else { return error(400, "tooManyIds", "Too many ids") }
            let items = world.videos.filter { ids.contains($0.id) }.map(video)
            return .json([
                "kind": "youtube#videoListResponse",
                "pageInfo": ["totalResults": items.count, "resultsPerPage": items.count], "items": items,
            ])
        case "/youtube/v3/search":
            let words = (request.query["q"] ?? "").lowercased().split(separator: " ")
            let matches = world.videos.filter { video in words.allSatisfy { video.title.lowercased().contains($0) } }
                .prefix(50)
            return .json([
                "kind": "youtube#searchListResponse", "regionCode": "US",
                "pageInfo": ["totalResults": matches.count, "resultsPerPage": 50],
                "items": matches.map {
                    ["kind": "youtube#searchResult", "id": ["kind": "youtube#video", "videoId": $0.id]]
                },
            ])
        case "/feeds/videos.xml":
            let channel =
                request.query["channel_id"].flatMap { SimulatedWorld.channels.firstIndex(of: $0) }
                ?? request.query["playlist_id"].flatMap(self.channel(playlist:))
            guard let channel else { return SimulatedResponse(status: 404, body: Data("Not Found".utf8)) }
            return SimulatedResponse(
                headers: ["Content-Type": "application/atom+xml; charset=UTF-8"],
                body: feed(channel)
            )
        default:
            return error(404, "notFound", "Not Found")
        }
    }

    func channel(playlist: String) -> Int? {
        SimulatedWorld.channels.firstIndex { "UU" + $0.dropFirst(2) == playlist }
    }

    func iso(_ date: Date) -> String { date.formatted(.iso8601) }

    func video(_ video: SimulatedWorld.Video) -> [String: Any] {
        [
            "kind": "youtube#video", "id": video.id,
            "snippet": [
                "publishedAt": iso(video.published), "channelId": SimulatedWorld.channels[video.channel],
                "title": video.title,
                "description": video.description, "channelTitle": "Simulated channel \(video.channel + 1)",
                "defaultAudioLanguage": "en",
                "thumbnails": [
                    "high": ["url": "https://i.ytimg.com/vi/\(video.id)/hqdefault.jpg", "width": 480, "height": 360]
                ],
            ],
            "contentDetails": ["duration": "PT\(video.seconds / 60)M\(video.seconds % 60)S", "definition": "hd"],
            "statistics": ["viewCount": String(video.views), "likeCount": String(video.views / 20)],
        ]
    }

    func feed(_ channel: Int) -> Data {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        let id = SimulatedWorld.channels[channel]
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">
             <id>yt:channel:\(id.dropFirst(2))</id>
             <yt:channelId>\(id.dropFirst(2))</yt:channelId>
             <title>Simulated channel \(channel + 1)</title>

            """
        for video in world.videos.filter({ $0.channel == channel }).prefix(15) {
            xml += """
                 <entry>
                  <id>yt:video:\(video.id)</id>
                  <yt:videoId>\(video.id)</yt:videoId>
                  <yt:channelId>\(id)</yt:channelId>
                  <title>\(escape(video.title))</title>
                  <link rel="alternate" href="https://www.youtube.com/watch?v=\(video.id)"/>
                  <published>\(iso(video.published))</published>
                  <updated>\(iso(video.published.addingTimeInterval(3600)))</updated>
                  <media:group>
                   <media:title>\(escape(video.title))</media:title>
                   <media:thumbnail url="https://i1.ytimg.com/vi/\(video.id)/hqdefault.jpg" width="480" height="360"/>
                   <media:description>\(escape(video.description))</media:description>
                   <media:community><media:statistics views="\(video.views)"/></media:community>
                  </media:group>
                 </entry>

                """
        }
        return Data((xml + "</feed>\n").utf8)
    }

    func error(_ code: Int, _ reason: String, _ message: String) -> SimulatedResponse {
        .json(
            [
                "error": [
                    "code": code, "message": message,
                    "errors": [["message": message, "domain": "youtube.api", "reason": reason]],
                ]
            ],
            status: code
        )
    }
}

/// Title listings computed once per world version (cleared when titles change).
final class Memo: @unchecked Sendable {
    private let lock = NSLock()
    private var listings: [String: [Int]] = [:]

    func indices(_ key: String, _ build: () -> [Int]) -> [Int] {
        if let cached = lock.withLock({ listings[key] }) { return cached }
        let built = build()
        lock.withLock { listings[key] = built }
        return built
    }

    func clear() {
        lock.withLock { listings.removeAll() }
    }
}
