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
        guard let genre = Self.byFoldedName[Self.fold(name)] else { return nil }
        self = genre
    }

    /// Letters only, lower-cased: "Sci-Fi" and "science fiction" fold to "scifi", "sciencefiction".
    static func fold(_ name: String) -> String {
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            // Provider genre names are nearly always ASCII: fold bytes, not Characters.
            var bytes: [UInt8] = []
            bytes.reserveCapacity(name.utf8.count)
            for byte in name.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"): bytes.append(byte)
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes.append(byte + 32)
                default: continue
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        return name.lowercased().filter(\.isLetter)
    }

    /// Every folded canonical id and common name, looked up once per genre name a page carries.
    private static let byFoldedName: [String: Genre] = {
        var table: [String: Genre] = [
            "scifi": .scienceFiction, "sciencefictionfilm": .scienceFiction, "sf": .scienceFiction,
            "biopic": .biography, "biographical": .biography, "sports": .sport, "children": .kids,
            "childrens": .kids, "doc": .documentary, "docs": .documentary, "historical": .history,
            "romantic": .romance,
        ]
        for genre in Genre.allCases { table[fold(genre.rawValue)] = genre }
        return table
    }()
}
