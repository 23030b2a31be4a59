/// What sort of thing a title is. Movies never merge with series, and episodes resolve within their show.
public enum TitleKind: String, Codable, Sendable, CaseIterable, Comparable {
    case movie
    case series
    case season
    case episode
    case short
    case video

    public static func < (lhs: TitleKind, rhs: TitleKind) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
