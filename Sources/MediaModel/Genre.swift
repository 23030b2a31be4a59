/// The canonical genre taxonomy. Provider genres map into it through the tables in `connectors/*.yml`.
public enum Genre: String, Codable, Sendable, CaseIterable, Comparable {
    case action
    case adventure
    case animation
    case biography
    case comedy
    case crime
    case documentary
    case drama
    case family
    case fantasy
    case history
    case horror
    case kids
    case music
    case musical
    case mystery
    case news
    case reality
    case romance
    case scienceFiction = "science-fiction"
    case sport
    case talk
    case thriller
    case war
    case western

    public static func < (lhs: Genre, rhs: Genre) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// Looks a genre up by its canonical id or a common English name ("Sci-Fi", "Science Fiction").
    public init?(lenientName name: String) {
        let folded = name.lowercased().filter { $0.isLetter }
        if let exact = Genre.allCases.first(where: { $0.rawValue.filter(\.isLetter) == folded }) {
            self = exact
            return
        }
        switch folded {
        case "scifi", "sciencefictionfilm", "sf": self = .scienceFiction
        case "biopic", "biographical": self = .biography
        case "sports": self = .sport
        case "children", "childrens": self = .kids
        case "doc", "docs": self = .documentary
        case "historical": self = .history
        case "romantic": self = .romance
        default: return nil
        }
    }
}
