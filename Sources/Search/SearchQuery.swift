import MediaModel
import Snapshots

/// A search: text, filters and a page.
public struct SearchQuery: Sendable, Equatable {
    /// Free text; may be empty when filters are given (then results are in document order).
    public var text: String
    public var filters: SearchFilters
    public var limit: Int
    public var offset: Int
    /// Facets to count over all matches (not just the page).
    public var facets: [FacetField] = []

    /// Largest page a caller may ask for.
    public static let maximumLimit = 100
    /// Longest query text accepted, in characters.
    public static let maximumTextLength = 500

    public init(text: String, filters: SearchFilters = SearchFilters(), limit: Int = 10, offset: Int = 0) {
        self.text = text
        self.filters = filters
        self.limit = limit
        self.offset = offset
    }
}

/// Filters applied through facet postings. Values within one field are alternatives (OR); fields
/// combine with AND. Country, service and monetization constrain one and the same offer.
public struct SearchFilters: Sendable, Equatable {
    public var kinds: [TitleKind] = []
    public var genres: [Genre] = []
    public var yearFrom: Int?
    public var yearTo: Int?
    public var countries: [String] = []
    public var services: [String] = []
    public var monetizations: [Monetization] = []

    public init() {}

    public var isEmpty: Bool {
        kinds.isEmpty && genres.isEmpty && yearFrom == nil && yearTo == nil && countries.isEmpty && services.isEmpty
            && monetizations.isEmpty
    }
}

/// One page of results.
public struct SearchResults: Sendable {
    /// A matching document with its score.
    public struct Hit: Sendable, Equatable {
        public var document: UInt32
        public var id: String
        public var score: Double
    }

    /// A facet value and how many matches have it.
    public struct FacetCount: Sendable, Equatable, Codable {
        public var value: String
        public var count: Int

        public init(value: String, count: Int) {
            self.value = value
            self.count = count
        }
    }

    /// How many documents matched in all.
    public var total: Int
    public var hits: [Hit]
    /// Per requested facet, its values over all matches, most frequent first (at most 50).
    public var facets: [FacetField: [FacetCount]] = [:]
}
