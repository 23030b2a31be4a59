import MediaModel

typealias SnapshotError = MediaError

/// Constants of the snapshot file format (`docs/formats/snapshot.md`).
public enum SnapshotFormat {
    /// The format version this code writes. Version 2 added the vector sections.
    public static let version: UInt32 = 2
    /// Versions this code reads: a version-1 file is a snapshot without vectors.
    public static let readableVersions: ClosedRange<UInt32> = 1...2
    static let headerMagic: [UInt8] = Array("MGWSNAP\0".utf8)
    static let footerMagic: [UInt8] = Array("MGWSEND\0".utf8)
    static let headerLength = 32
    static let footerLength = 64
    static let sectionEntryLength = 48
    /// Titles per compressed block: small enough that fetching one title decompresses little.
    static let titlesPerBlock = 32
    /// Terms between restart points in the term dictionary.
    static let termsPerRestart = 16
    /// File name extension of snapshot files.
    public static let fileExtension = "mgws"

    /// Section names, in file order.
    enum Section: String, CaseIterable {
        case meta
        case docIDs = "docs.ids"
        case docBlocks = "docs.blocks"
        case docBlockIndex = "docs.blockindex"
        case terms = "lex.terms"
        case termRestarts = "lex.restarts"
        case postings = "lex.postings"
        case norms = "lex.norms"
        case facets
        case facetPostings = "facets.postings"
        case vectorCodes = "vec.codes"
        case vectorScales = "vec.scales"
        case vectorGraph = "vec.graph"

        /// Vector sections exist only in snapshots built with embeddings.
        var isOptional: Bool { rawValue.hasPrefix("vec.") }
    }
}

/// Fields of the lexical index and their BM25F weights.
public enum IndexedField: String, CaseIterable, Sendable {
    case title, alternateTitle, people, overview

    /// The indexed texts of a title, by field: its title, original and alternate titles,
    /// directors and the first ten cast members, and overview.
    public static func texts(of title: CanonicalTitle) -> [(IndexedField, String)] {
        var texts: [(IndexedField, String)] = [(.title, title.title)]
        if let original = title.originalTitle, original != title.title { texts.append((.alternateTitle, original)) }
        for names in (title.alternateTitles ?? [:]).values {
            for name in names { texts.append((.alternateTitle, name)) }
        }
        for person in title.directors + title.cast.prefix(10) { texts.append((.people, person)) }
        if let overview = title.overview { texts.append((.overview, overview)) }
        return texts
    }

    /// How much one occurrence counts towards a term's frequency and the document's length.
    public var weight: Int {
        switch self {
        case .title: 4
        case .alternateTitle: 2
        case .people: 2
        case .overview: 1
        }
    }
}

/// Facet fields that filters and counts work on.
public enum FacetField: String, CaseIterable, Sendable, Codable {
    case kind, year, genre, country, service, monetization
    /// Offer triples `COUNTRY/service/monetization`, so a filter on several offer fields means
    /// one offer matching all of them, not three unrelated offers.
    case offer

    var code: UInt8 { UInt8(FacetField.allCases.firstIndex(of: self)!) }
}
