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
    /// How to rank: lexical (BM25F), semantic (vector similarity) or hybrid (both, fused).
    public var mode: SearchMode = .hybrid
    /// The query text embedded by the snapshot's model; semantic and hybrid need it and fall
    /// back to lexical ranking without it.
    public var vector: [Float]?
    /// The ranking's constants (defaults tuned on the relevance set).
    public var tuning = RankingTuning()
    /// Whether each hit says why it ranked (``SearchResults/Hit/explanation``).
    public var explain = false
    /// The order of the matches; relevance by default.
    public var sort = SearchSort.relevance
    /// Vector candidates less similar than this (cosine) are not matches: every title has
    /// *some* nearest neighbour, and a query about nothing in the catalog should find nothing.
    public var minimumSimilarity: Float = 0.25

    /// Largest page a caller may ask for.
    public static let maximumLimit = 100
    /// Longest query text accepted, in characters and in Unicode code points.
    public static let maximumTextLength = 500
    /// Longest query text accepted, in UTF-8 bytes.
    public static let maximumTextBytes = 2000

    /// Why `text` is too long to search, or nil when it is not.
    public static func textLengthProblem(_ text: String) -> String? {
        let scalars = text.unicodeScalars.count
        let bytes = text.utf8.count
        guard scalars > maximumTextLength || bytes > maximumTextBytes else { return nil }
        return "is \(text.count) characters, \(scalars) code points and \(bytes) bytes; at most "
            + "\(maximumTextLength) characters or code points and \(maximumTextBytes) bytes"
    }

    public init(text: String, filters: SearchFilters = SearchFilters(), limit: Int = 10, offset: Int = 0) {
        self.text = text
        self.filters = filters
        self.limit = limit
        self.offset = offset
    }
}

/// Filters applied through facet postings. Values within one field are alternatives (OR); fields
/// combine with AND. Country, service and monetization constrain one and the same offer.
public struct SearchFilters: Sendable, Hashable {
    public var kinds: [TitleKind] = []
    public var genres: [Genre] = []
    public var yearFrom: Int?
    public var yearTo: Int?
    public var countries: [String] = []
    public var services: [String] = []
    public var monetizations: [Monetization] = []
    /// Days an offer started in; held by the same offer as the country, service and monetization.
    public var availableSince: ClosedRange<Day>?
    /// Days an offer ends in; likewise.
    public var expires: ClosedRange<Day>?

    public init() {}

    public var isEmpty: Bool {
        kinds.isEmpty && genres.isEmpty && yearFrom == nil && yearTo == nil && countries.isEmpty && services.isEmpty
            && monetizations.isEmpty && availableSince == nil && expires == nil
    }

    /// The offer conditions, for the availability index.
    public var offerFilter: AvailabilityIndex.OfferFilter {
        .init(
            countries: countries,
            services: services,
            monetizations: monetizations,
            since: availableSince,
            expires: expires
        )
    }

    /// The same filters without the offer conditions (kind, genre and year only).
    public var titleFilters: SearchFilters {
        var filters = SearchFilters()
        filters.kinds = kinds
        filters.genres = genres
        filters.yearFrom = yearFrom
        filters.yearTo = yearTo
        return filters
    }
}

/// The order of results: by relevance (the ranking), or by a field with ties in id order.
/// Titles without a value for the field (no dated offer, no year) come last either way.
public struct SearchSort: Sendable, Equatable {
    public enum Field: String, Sendable, CaseIterable {
        case relevance, expires, availableSince = "available_since", year, title
    }
    public var field: Field
    public var descending: Bool

    public init(_ field: Field, descending: Bool = false) {
        self.field = field
        self.descending = descending
    }

    public static let relevance = SearchSort(.relevance)

    /// `expires`, `-year` (descending), …; nil for anything else.
    public init?(parsing text: String) {
        let descending = text.hasPrefix("-")
        guard let field = Field(rawValue: String(text.dropFirst(descending ? 1 : 0))) else { return nil }
        guard !(descending && field == .relevance) else { return nil }
        self.init(field, descending: descending)
    }
}

/// How a search ranks documents.
public enum SearchMode: String, Sendable, CaseIterable, Codable {
    case lexical, semantic, hybrid
}

/// One page of results.
public struct SearchResults: Sendable {
    /// A matching document with its score.
    public struct Hit: Sendable, Equatable {
        public var document: UInt32
        public var id: String
        public var score: Double
        /// Why it ranked, when the query asked (`explain`).
        public var explanation: HitExplanation?

        public init(document: UInt32, id: String, score: Double, explanation: HitExplanation? = nil) {
            self.document = document
            self.id = id
            self.score = score
            self.explanation = explanation
        }
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

    /// How many documents matched in all (for semantic and hybrid: lexical matches plus the
    /// vector candidates considered).
    public var total: Int
    public var hits: [Hit]
    /// The ranking actually used: semantic and hybrid fall back to lexical without vectors.
    public var mode: SearchMode = .lexical
    /// Per requested facet, its values over all matches, most frequent first (at most 50).
    public var facets: [FacetField: [FacetCount]] = [:]
}

/// Why a hit ranked where it did: the parts of its score.
public struct HitExplanation: Sendable, Equatable, Codable {
    /// One query word matched in the title's indexed text.
    public struct MatchedTerm: Sendable, Equatable, Codable {
        /// The word as the query has it (folded), and the dictionary term it matched.
        public var word: String
        public var term: String
        /// `exact`, `variant` (singular or plural), `prefix` or `typo`.
        public var match: String
        /// The fields holding the term: `title`, `alternateTitle`, `people`, `overview`.
        public var fields: [String]
    }

    /// BM25F over the matched words (after a year boost), nil when no word matched.
    public var lexicalScore: Double?
    public var wordsMatched: Int
    public var words: Int
    public var matchedTerms: [MatchedTerm]
    /// The year multiplier applied (`heat 1995`), when not 1.
    public var yearBoost: Double?
    /// Cosine similarity of the query and the title's vector, when vectors ranked.
    public var similarity: Double?
    /// Hybrid only: the two parts of the score (`score = lexicalPart + semanticPart`), the
    /// lexical weight α they were weighed by, and what a title without an overview lost.
    public var lexicalPart: Double?
    public var semanticPart: Double?
    public var lexicalWeight: Double?
    public var textlessPenalty: Double?
}
