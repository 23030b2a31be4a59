import Foundation
import HTTPClient
import MediaModel

// How JustWatch payloads become source records.
extension JustWatchConnector {
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

    /// A GraphQL page's title edges as records (or rejections) of `builder`'s page, each located
    /// at its edge (`… · edges[3]`).
    static func add(
        _ edges: [JSONValue],
        at location: String,
        country: String,
        mapping: Mapping,
        to builder: inout PageBuilder
    ) {
        builder.addEach(edges.compactMap { $0["node"] }, location: { "\(location) · edges[\($0)]" }) { node, unmapped in
            [try record(node: node, country: country, mapping: mapping, unmapped: &unmapped)]
        }
    }
}
