import Foundation
import HTTPClient
import MediaModel

// How StreamingAvailability payloads become source records.
extension StreamingAvailabilityConnector {
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
}
