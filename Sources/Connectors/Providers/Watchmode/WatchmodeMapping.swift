import Foundation
import HTTPClient
import Synchronization
import MediaModel

// How Watchmode payloads become source records.
extension WatchmodeConnector {
    /// A source's `type` and (upper-cased) `format` as Watchmode writes them.
    static let offerTerms = OfferTerms(
        monetizations: [
            "sub": .subscription, "free": .free, "rent": .rent, "buy": .buy, "purchase": .buy, "tve": .addon,
        ],
        qualities: ["SD": .sd, "HD": .hd, "4K": .uhd, "UHD": .uhd]
    )

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
            guard let monetization = offerTerms.monetization(source["type"]?.string, unmapped: &unmapped),
                var offer = mapping.offer(
                    on: String(sourceID),
                    monetization: monetization,
                    in: region,
                    unmapped: &unmapped
                )
            else { continue }
            offer.price = ProviderValues.price(
                source["price"]?.decimalText,
                currency: mapping.currency(country: region)
            )
            offer.quality = offerTerms.quality(source["format"]?.string?.uppercased())
            offer.webURL = source["web_url"]?.string
            offer.deepLink = [source["ios_url"]?.string, source["android_url"]?.string].compactMap { $0 }
                .first { $0 != paidPlanPlaceholder }
            offers.append(offer)
        }
        record.offers = ProviderValues.distinctOffers(offers)
        return record
    }
}
