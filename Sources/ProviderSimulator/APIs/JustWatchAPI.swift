import Foundation
import MediaModel

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
