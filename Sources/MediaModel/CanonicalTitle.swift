/// One real-world title, merged from every source record that describes it, with all its offers.
public struct CanonicalTitle: Codable, Sendable, Hashable {
    /// Stable id (`mg` + 12 hex digits); kept across runs while any member record remains.
    public var id: String
    public var kind: TitleKind
    public var title: String
    public var originalTitle: String?
    public var alternateTitles: [String: [String]]?
    public var year: Int?
    public var releaseDate: String?
    public var runtimeMinutes: Int?
    public var overview: String?
    public var genres: [Genre]
    public var directors: [String]
    public var cast: [String]
    public var languages: [String]
    public var countries: [String]
    public var ratings: [Rating]?
    public var images: [Image]?
    public var externalIDs: ExternalIDs
    public var offers: [Offer]
    /// Provenance: the keys (`source:id`) of the source records merged into this title, sorted.
    public var members: [String]
    /// Provenance per field: field name → key of the record that supplied it.
    public var fieldSources: [String: String]

    public init(id: String, kind: TitleKind, title: String) {
        self.id = id
        self.kind = kind
        self.title = title
        self.genres = []
        self.directors = []
        self.cast = []
        self.languages = []
        self.countries = []
        self.externalIDs = ExternalIDs()
        self.offers = []
        self.members = []
        self.fieldSources = [:]
    }
}
