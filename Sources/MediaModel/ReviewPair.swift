import Foundation

/// A pair of source records the matcher scored between the review and the merge thresholds, for
/// `mediagw resolve review`. Resolution makes them and staging keeps the last build's list: one
/// type on both sides of that seam.
public struct ReviewPair: Sendable, Codable, Equatable {
    /// Source keys (`watchmode:1000042`).
    public var a: String
    public var b: String
    public var scores: PairScore

    public init(a: String, b: String, scores: PairScore) {
        self.a = a
        self.b = b
        self.scores = scores
    }
}

/// How alike two records are, feature by feature, and the combined score.
public struct PairScore: Sendable, Codable, Equatable {
    /// Best similarity over the two records' title variants (0…1).
    public var title: Double
    public var yearDistance: Int?
    public var runtimeDistance: Int?
    /// Shared directors over the smaller list; nil when either has none.
    public var directors: Double?
    public var cast: Double?
    public var sameLanguage: Bool?
    /// For titles that share too few words (translations, retitlings): how strongly the rest
    /// agrees — director, year, runtime and shared cast (0…1); nil when it was not weighed.
    public var evidence: Double?
    /// The combined score the thresholds act on (0…1).
    public var score: Double
    /// Why the pair can never merge, if it cannot.
    public var veto: String?

    public init(
        title: Double,
        yearDistance: Int? = nil,
        runtimeDistance: Int? = nil,
        directors: Double? = nil,
        cast: Double? = nil,
        sameLanguage: Bool? = nil,
        evidence: Double? = nil,
        score: Double,
        veto: String? = nil
    ) {
        self.title = title
        self.yearDistance = yearDistance
        self.runtimeDistance = runtimeDistance
        self.directors = directors
        self.cast = cast
        self.sameLanguage = sameLanguage
        self.evidence = evidence
        self.score = score
        self.veto = veto
    }
}
