import Foundation
import HTTPClient
import MediaModel

// How JustWatch payloads become source records.
extension JustWatchConnector {
    /// `monetizationType` and `presentationType` as JustWatch writes them.
    static let offerTerms = OfferTerms(
        monetizations: [
            "FLATRATE": .subscription, "FLATRATE_AND_BUY": .subscription, "FREE": .free, "ADS": .ads, "RENT": .rent,
            "BUY": .buy,
        ],
        qualities: ["SD": .sd, "HD": .hd, "_4K": .uhd, "4K": .uhd]
    )

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
            guard let monetization = offerTerms.monetization(offer["monetizationType"]?.string, unmapped: &unmapped),
                let package = offer["package"]?["shortName"]?.string
                    ?? offer["package"]?["packageId"]?.int.map(String.init),
                var mapped = mapping.offer(on: package, monetization: monetization, in: country, unmapped: &unmapped)
            else { continue }
            mapped.price = ProviderValues.price(
                offer["retailPriceValue"]?.decimalText,
                currency: offer["currency"]?.string
            )
            mapped.quality = offerTerms.quality(offer["presentationType"]?.string)
            mapped.webURL = offer["standardWebURL"]?.string
            mapped.availableSince = ProviderValues.isoDate(offer["dateCreated"]?.string)
            mapped.expiresOn = ProviderValues.isoDate(offer["availableTo"]?.string)
            offers.append(mapped)
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
