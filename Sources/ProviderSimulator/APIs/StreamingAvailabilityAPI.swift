import Foundation
import MediaModel

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
