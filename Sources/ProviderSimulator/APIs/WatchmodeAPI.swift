import Foundation
import MediaModel

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
