/// Identifiers a title carries in other catalogs.
///
/// TMDb keeps movies and TV shows in separate id spaces whose numbers collide (movie 1399 is not
/// TV 1399), so the two are separate fields and are never compared with each other.
public struct ExternalIDs: Codable, Sendable, Hashable {
    /// IMDb id, `tt` followed by digits.
    public var imdb: String?
    /// TMDb movie id.
    public var tmdbMovie: Int?
    /// TMDb TV id.
    public var tmdbTV: Int?
    /// TheTVDB id.
    public var tvdb: Int?
    /// EIDR content id, `10.5240/…`.
    public var eidr: String?
    /// Wikidata item id, `Q` followed by digits.
    public var wikidata: String?

    public init(
        imdb: String? = nil,
        tmdbMovie: Int? = nil,
        tmdbTV: Int? = nil,
        tvdb: Int? = nil,
        eidr: String? = nil,
        wikidata: String? = nil
    ) {
        self.imdb = imdb
        self.tmdbMovie = tmdbMovie
        self.tmdbTV = tmdbTV
        self.tvdb = tvdb
        self.eidr = eidr
        self.wikidata = wikidata
    }

    /// Whether no identifier is set.
    public var isEmpty: Bool {
        imdb == nil && tmdbMovie == nil && tmdbTV == nil && tvdb == nil && eidr == nil && wikidata == nil
    }

    /// The identifiers as namespaced keys (`imdb:tt0068646`, `tmdb-movie:238`), used to link records.
    public var linkKeys: [String] {
        var keys: [String] = []
        if let imdb { keys.append("imdb:\(imdb)") }
        if let tmdbMovie { keys.append("tmdb-movie:\(tmdbMovie)") }
        if let tmdbTV { keys.append("tmdb-tv:\(tmdbTV)") }
        if let tvdb { keys.append("tvdb:\(tvdb)") }
        if let eidr { keys.append("eidr:\(eidr)") }
        if let wikidata { keys.append("wikidata:\(wikidata)") }
        return keys
    }

    /// Fills each unset identifier from `other`.
    public mutating func fillGaps(from other: ExternalIDs) {
        imdb = imdb ?? other.imdb
        tmdbMovie = tmdbMovie ?? other.tmdbMovie
        tmdbTV = tmdbTV ?? other.tmdbTV
        tvdb = tvdb ?? other.tvdb
        eidr = eidr ?? other.eidr
        wikidata = wikidata ?? other.wikidata
    }
}
