import Foundation
import HTTPClient
import MediaModel

// How StreamingAvailability payloads become source records.
extension StreamingAvailabilityConnector {
    /// A streaming option's `type` and `quality` as Streaming Availability writes them.
    static let offerTerms = OfferTerms(
        monetizations: [
            "subscription": .subscription, "free": .free, "ads": .ads, "rent": .rent, "buy": .buy, "addon": .addon,
        ],
        qualities: ["sd": .sd, "hd": .hd, "qhd": .hd, "uhd": .uhd]
    )

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
        // A season or an episode: a record of its own under the show, with its own offers.
        func part(_ node: JSONValue, id partID: String, kind: TitleKind, title: String, season: Int) -> SourceRecord {
            var record = SourceRecord(source: provider, id: partID, kind: kind, title: title)
            record.parentID = id
            record.seasonNumber = season
            let options = node["streamingOptions"]?[country.lowercased()]
            record.offers = offers(options, country: country, mapping: mapping, unmapped: &unmapped)
            return record
        }
        for (seasonIndex, season) in (show["seasons"]?.array ?? []).enumerated() {
            let number = seasonIndex + 1
            let seasonID = "\(id)/s\(number)"
            let seasonTitle = season["title"]?.string ?? "Season \(number)"
            var seasonRecord = part(season, id: seasonID, kind: .season, title: seasonTitle, season: number)
            seasonRecord.year = season["firstAirYear"]?.int
            records.append(seasonRecord)
            for (episodeIndex, episode) in (season["episodes"]?.array ?? []).enumerated() {
                let episodeNumber = episodeIndex + 1
                let title = episode["title"]?.string ?? "Episode \(episodeNumber)"
                let episodeID = "\(seasonID)e\(episodeNumber)"
                var episodeRecord = part(episode, id: episodeID, kind: .episode, title: title, season: number)
                episodeRecord.episodeNumber = episodeNumber
                episodeRecord.overview = episode["overview"]?.string
                episodeRecord.year = episode["airYear"]?.int
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
            guard let type = option["type"]?.string,
                let monetization = offerTerms.monetization(type, unmapped: &unmapped),
                let providerService = option["addon"]?["id"]?.string ?? option["service"]?["id"]?.string,
                var offer = mapping.offer(
                    on: providerService,
                    monetization: monetization,
                    in: country,
                    unmapped: &unmapped
                )
            else { continue }
            let price = option["price"]
            offer.price = ProviderValues.price(price?["amount"]?.decimalText, currency: price?["currency"]?.string)
            offer.quality = offerTerms.quality(option["quality"]?.string)
            offer.webURL = option["link"]?.string
            offer.deepLink = option["videoLink"]?.string
            offer.availableSince = option["availableSince"]?.int.map(ProviderValues.isoDateTime(unix:))
            offer.expiresOn = option["expiresOn"]?.int.map(ProviderValues.isoDateTime(unix:))
            offers.append(offer)
        }
        return ProviderValues.distinctOffers(offers)
    }
}
