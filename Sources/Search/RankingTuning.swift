import MediaModel

/// The ranking's constants. The defaults were tuned on the tuning part of the relevance set
/// (Benchmarks/relevance, docs/benchmarks.md); `mediagw eval --tune NAME=VALUE` tries others.
public struct RankingTuning: Sendable, Equatable {
    /// Queries of at most this many words rank lexical matches by how many words they matched
    /// first (a two-word title query wants both words); longer ones by score, scaled by the
    /// share of words matched to the power `coveragePower`.
    public var coordinationWords = 3
    public var coveragePower = 1.0
    /// How much a match on a singular or plural form of a query word counts ("witch" for
    /// "witches").
    public var variantWeight = 0.9
    /// A year in a query of other words ("heat 1995") multiplies the score of titles from that
    /// year by this, and of titles one year off by its square root.
    public var yearBoost = 1.6
    /// Hybrid: the weight of the lexical score for one-word queries and for queries of
    /// `longWords` or more words (in between, interpolated); the semantic score gets the rest.
    public var lexicalWeightShort = 0.75
    public var lexicalWeightLong = 0.45
    public var longWords = 6
    /// Hybrid: when some title matched every word of a query of at most `coordinationWords`
    /// words, a title only the vectors found must be at least this similar to be a match:
    /// a confident lexical answer is not padded with weak neighbours.
    public var paddingSimilarity: Float = 0.55
    /// Hybrid: the similarity of a title without an overview counts this much less for a
    /// descriptive query (scaled by `descriptiveShare`) — its vector holds little more than its
    /// name, which a description does not give.
    public var textlessPenalty: Float = 0.1
    /// Queries of at least this many words drop English function words ("the", "you", "when")
    /// when two other words remain; 0 keeps them always.
    public var stopwordQueryWords = 6

    public init() {}

    /// The names `set` accepts.
    public static let names = [
        "coordination_words", "coverage_power", "variant_weight", "year_boost", "lexical_weight_short",
        "lexical_weight_long", "long_words", "padding_similarity", "textless_penalty", "stopword_query_words",
    ]

    /// Sets the constant `name` (snake case, as in `names`) from text.
    public mutating func set(_ name: String, _ text: String) throws {
        guard let value = Double(text), value.isFinite, (0...1_000_000).contains(value) else {
            throw MediaError(.usage, "\(name)=\(text): the value must be a number from 0 to 1000000")
        }
        switch name {
        case "coordination_words": coordinationWords = Int(value)
        case "coverage_power": coveragePower = value
        case "variant_weight": variantWeight = value
        case "year_boost": yearBoost = value
        case "lexical_weight_short": lexicalWeightShort = min(value, 1)
        case "lexical_weight_long": lexicalWeightLong = min(value, 1)
        case "long_words": longWords = max(Int(value), 2)
        case "padding_similarity": paddingSimilarity = Float(value)
        case "textless_penalty": textlessPenalty = Float(value)
        case "stopword_query_words": stopwordQueryWords = Int(value)
        default:
            throw MediaError(.usage, "unknown ranking constant '\(name)'; known: \(Self.names.joined(separator: ", "))")
        }
    }

    /// How much a query of `words` words reads as a description rather than a name: 0 for one
    /// word, 1 from `longWords` words, linear in between.
    func descriptiveShare(words: Int) -> Double {
        min(max(Double(words - 1) / Double(longWords - 1), 0), 1)
    }

    /// The lexical share of a hybrid score for a query of `words` words.
    func lexicalWeight(words: Int) -> Double {
        lexicalWeightShort + (lexicalWeightLong - lexicalWeightShort) * descriptiveShare(words: words)
    }
}
