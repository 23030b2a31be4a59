/// One title as one source describes it, after mapping into the shared vocabulary.
///
/// Every connector maps provider responses into source records; the JSONL import reads them
/// directly (`docs/formats/source-record.md`). Records are keyed by ``key`` — (source, id).
public struct SourceRecord: Codable, Sendable, Hashable {
    /// Name of the source (`watchmode`, `catalog`); set by the importer or connector, not the line.
    public var source: String
    /// The source's own id for the title, unique within the source.
    public var id: String
    public var kind: TitleKind
    public var title: String
    public var originalTitle: String?
    /// Alternate titles by BCP 47 locale (`"fr-FR": ["Le Parrain"]`).
    public var alternateTitles: [String: [String]]?
    public var year: Int?
    /// ISO 8601 date (`1972-03-24`).
    public var releaseDate: String?
    public var runtimeMinutes: Int?
    public var overview: String?
    /// Canonical genres (already mapped by the connector).
    public var genres: [Genre]?
    public var directors: [String]?
    public var cast: [String]?
    /// ISO 639-1 language codes.
    public var languages: [String]?
    /// ISO 3166-1 alpha-2 production countries.
    public var countries: [String]?
    public var ratings: [Rating]?
    public var images: [Image]?
    public var externalIDs: ExternalIDs?
    /// For seasons and episodes: the source id of the parent show within the same source.
    public var parentID: String?
    public var seasonNumber: Int?
    public var episodeNumber: Int?
    public var offers: [Offer]?
    /// When the source last changed the record (ISO 8601), if it says.
    public var updatedAt: String?

    public init(source: String, id: String, kind: TitleKind, title: String) {
        self.source = source
        self.id = id
        self.kind = kind
        self.title = title
    }

    /// The record's key, `source:id`, unique across all sources.
    public var key: String { "\(source):\(id)" }
}

/// A rating from some rating source.
public struct Rating: Codable, Sendable, Hashable {
    /// Who rated (`imdb`, `tmdb`, `rotten-tomatoes`).
    public var source: String
    public var value: Double
    /// The top of the scale (10 for IMDb, 100 for percentages).
    public var scale: Double
    public var votes: Int?

    public init(source: String, value: Double, scale: Double, votes: Int? = nil) {
        self.source = source
        self.value = value
        self.scale = scale
        self.votes = votes
    }
}

/// An image of a title.
public struct Image: Codable, Sendable, Hashable {
    /// `poster`, `backdrop` or `thumbnail`.
    public var kind: String
    public var url: String
    public var width: Int?
    public var height: Int?

    public init(kind: String, url: String, width: Int? = nil, height: Int? = nil) {
        self.kind = kind
        self.url = url
        self.width = width
        self.height = height
    }
}

extension SourceRecord {
    /// This record with every field it leaves unset taken from `older` (the staged version):
    /// how a partial description, such as a feed entry, updates a full one without erasing it.
    public func filling(from older: SourceRecord) -> SourceRecord {
        var merged = self
        merged.originalTitle = originalTitle ?? older.originalTitle
        merged.alternateTitles = alternateTitles ?? older.alternateTitles
        merged.year = year ?? older.year
        merged.releaseDate = releaseDate ?? older.releaseDate
        merged.runtimeMinutes = runtimeMinutes ?? older.runtimeMinutes
        merged.overview = overview ?? older.overview
        merged.genres = genres ?? older.genres
        merged.directors = directors ?? older.directors
        merged.cast = cast ?? older.cast
        merged.languages = languages ?? older.languages
        merged.countries = countries ?? older.countries
        merged.ratings = ratings ?? older.ratings
        merged.images = images ?? older.images
        merged.externalIDs = externalIDs ?? older.externalIDs
        merged.parentID = parentID ?? older.parentID
        merged.seasonNumber = seasonNumber ?? older.seasonNumber
        merged.episodeNumber = episodeNumber ?? older.episodeNumber
        merged.offers = offers ?? older.offers
        merged.updatedAt = updatedAt ?? older.updatedAt
        return merged
    }
}

extension SourceRecord {
    /// This record with offer dates it does not state taken from the same offers in `older`.
    public func keepingOfferDates(from older: SourceRecord) -> SourceRecord {
        guard var offers, let olderOffers = older.offers else { return self }
        let dates = Dictionary(olderOffers.map { ($0.identity, ($0.availableSince, $0.expiresOn)) }) { first, _ in first
        }
        for index in offers.indices {
            guard let (since, expires) = dates[offers[index].identity] else { continue }
            offers[index].availableSince = offers[index].availableSince ?? since
            offers[index].expiresOn = offers[index].expiresOn ?? expires
        }
        var merged = self
        merged.offers = offers
        return merged
    }
}
