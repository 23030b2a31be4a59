import MediaModel

/// What the matcher knows about one record, computed once.
struct RecordFeatures: Sendable {
    /// Which records may ever be one title: movies with movies, series with series, …
    enum Family: UInt8, Sendable {
        case film, short, video, series, season, episode
    }

    var family: Family
    var source: String
    /// The provider's own entity: the id before `@` (per-country records of one show share it).
    var entity: String
    /// Title variants: the title, the original title, alternate titles, and the forms each of
    /// those stands for (`TitleNormalizer.variants`), at most eight.
    var titles: [NormalizedTitle]
    /// Sorted hashes of each variant's tokens, for Jaccard similarity.
    var tokenHashes: [[UInt64]]
    /// Each variant's compact key as bytes, for edit distance.
    var compact: [[UInt8]]
    /// Numbers in the title ("2", "1984"): sequels and parts differ in them.
    var numbers: [Set<String>]
    var year: Int?
    var runtime: Int?
    /// Per person, the hashes of the keys their name matches under (`PersonNormalizer.keys`).
    var directors: [[UInt64]]
    var cast: [[UInt64]]
    var language: String?
    /// External id keys (`imdb:tt0068646`), by kind.
    var ids: [String: String]

    /// Each distinct person's key hashes.
    static func people<Names: Sequence<String>>(_ names: Names) -> [[UInt64]] {
        var seen = Set<[UInt64]>()
        var people: [[UInt64]] = []
        for name in names {
            let hashes = PersonNormalizer.keyHashes(name)
            if !hashes.isEmpty && seen.insert(hashes).inserted { people.append(hashes) }
        }
        return people
    }

    static func family(_ kind: TitleKind) -> Family {
        switch kind {
        case .movie: return .film
        case .short: return .short
        case .video: return .video
        case .series: return .series
        case .season: return .season
        case .episode: return .episode
        }
    }

    init(_ record: SourceRecord) {
        family = Self.family(record.kind)
        source = record.source
        entity = String(record.id.prefix { $0 != "@" })
        var names: [String] = []
        func add(_ written: String) {
            for name in TitleNormalizer.variants(written) where names.count < 8 && !names.contains(name) {
                names.append(name)
            }
        }
        add(record.title)
        if let original = record.originalTitle, original != record.title { add(original) }
        for (_, alternates) in (record.alternateTitles ?? [:]).sorted(by: { $0.key < $1.key }) {
            for name in alternates where names.count < 8 { add(name) }
        }
        titles = names.map(TitleNormalizer.normalize).filter { !$0.tokens.isEmpty }
        tokenHashes = titles.map { Array(Set($0.tokens.map(stableHash))).sorted() }
        compact = titles.map { Array($0.compactKey.utf8) }
        numbers = titles.map { Set($0.tokens.filter { $0.allSatisfy(\.isNumber) }) }
        year =
            record.year ?? record.releaseDate.flatMap { Int($0.prefix(4)) } ?? titles.first?.bracketYear
        runtime = record.runtimeMinutes
        directors = Self.people(record.directors ?? [])
        cast = Self.people((record.cast ?? []).prefix(8))
        language = record.languages?.first?.lowercased()
        ids = [:]
        if let external = record.externalIDs {
            if let value = external.imdb { ids["imdb"] = value }
            if let value = external.tmdbMovie { ids["tmdb-movie"] = String(value) }
            if let value = external.tmdbTV { ids["tmdb-tv"] = String(value) }
            if let value = external.tvdb { ids["tvdb"] = String(value) }
            if let value = external.eidr { ids["eidr"] = value }
            if let value = external.wikidata { ids["wikidata"] = value }
        }
    }
}

/// FNV-1a, 64 bits: the same in every process (Swift's `Hasher` is seeded per process).
func stableHash(_ text: String) -> UInt64 {
    var hasher = StableHasher()
    hasher.add(text)
    return hasher.value
}

/// FNV-1a fed piece by piece: `add("ab")` then `add("c")` hashes as `"abc"` does.
struct StableHasher {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x100_0000_01b3
    }

    mutating func add(_ text: String) {
        for byte in text.utf8 { add(byte) }
    }
}

/// The matcher's weights and thresholds (`resolution.yml`).
public struct MatchSettings: Sendable, Equatable {
    /// Pairs at or above this score merge.
    public var mergeThreshold = 0.80
    /// Pairs at or above this (and below the merge threshold) are listed for review.
    public var reviewThreshold = 0.62
    /// Years further apart than this never merge (remakes, re-releases under the same title).
    public var yearTolerance = 2
    /// Blocks larger than this pair each record only with its nearest neighbours by year and title.
    public var maxBlockSize = 50
    public var titleWeight = 0.45
    public var yearWeight = 0.20
    public var runtimeWeight = 0.10
    public var directorWeight = 0.15
    public var castWeight = 0.05
    public var languageWeight = 0.05

    public init() {}
}

enum PairScorer {
    /// Scores `a` against `b`.
    static func score(_ a: RecordFeatures, _ b: RecordFeatures, settings: MatchSettings) -> PairScore {
        var result = PairScore(title: 0, score: 0)
        if a.family != b.family {
            result.veto = "different kinds"
            return result
        }
        if let x = a.year, let y = b.year {
            result.yearDistance = abs(x - y)
        }
        if let x = a.runtime, let y = b.runtime { result.runtimeDistance = abs(x - y) }
        if !a.directors.isEmpty && !b.directors.isEmpty {
            result.directors =
                Double(sharedPeople(a.directors, b.directors)) / Double(min(a.directors.count, b.directors.count))
        }
        if !a.cast.isEmpty && !b.cast.isEmpty {
            result.cast = Double(sharedPeople(a.cast, b.cast)) / Double(min(a.cast.count, b.cast.count))
        }
        if let x = a.language, let y = b.language { result.sameLanguage = x == y }
        result.title = titleSimilarity(a, b)

        if let distance = result.yearDistance, distance > settings.yearTolerance {
            result.veto = "years \(distance) apart"
        }
        let year: Double
        switch result.yearDistance {
        case nil: year = 0.6
        case 0: year = 1
        case 1: year = 0.8
        case 2: year = 0.4
        default: year = 0
        }
        let runtime: Double
        switch result.runtimeDistance {
        case nil: runtime = 0.6
        case .some(let d) where d <= 3: runtime = 1
        case .some(let d) where d <= 6: runtime = 0.85
        case .some(let d) where d <= 12: runtime = 0.5
        default: runtime = 0.1
        }
        let directors = result.directors.map { $0 > 0 ? 1.0 : 0.0 } ?? 0.6
        let cast = result.cast.map { min(1, $0 * 2) } ?? 0.6
        let language = result.sameLanguage.map { $0 ? 1.0 : 0.3 } ?? 0.6
        result.score =
            settings.titleWeight * result.title + settings.yearWeight * year + settings.runtimeWeight * runtime
            + settings.directorWeight * directors + settings.castWeight * cast + settings.languageWeight * language
        // A weak title match cannot be carried by agreeing metadata.
        if result.title < 0.5 { result.score = min(result.score, result.title) }
        if result.veto != nil { result.score = 0 }
        return result
    }

    /// The best similarity over the title variants of two records.
    static func titleSimilarity(_ a: RecordFeatures, _ b: RecordFeatures) -> Double {
        var best = 0.0
        for (i, x) in a.titles.enumerated() {
            for (j, y) in b.titles.enumerated() {
                best = max(
                    best,
                    similarity(
                        x,
                        a.tokenHashes[i],
                        a.numbers[i],
                        a.compact[i],
                        y,
                        b.tokenHashes[j],
                        b.numbers[j],
                        b.compact[j]
                    )
                )
                if best >= 1 { return 1 }
            }
        }
        return best
    }

    static func similarity(
        _ x: NormalizedTitle,
        _ xHashes: [UInt64],
        _ xNumbers: Set<String>,
        _ xCompact: [UInt8],
        _ y: NormalizedTitle,
        _ yHashes: [UInt64],
        _ yNumbers: Set<String>,
        _ yCompact: [UInt8]
    ) -> Double {
        if x.tokens == y.tokens && x.bracketCountry == y.bracketCountry { return 1 }
        if xCompact == yCompact { return 0.98 }
        var value = jaccard(xHashes, yHashes)
        // One title is the other's main title ("Star Wars" and "Star Wars: Episode IV – A New Hope").
        if (x.tokens == y.mainTokens && y.mainTokens.count < y.tokens.count)
            || (y.tokens == x.mainTokens && x.mainTokens.count < x.tokens.count)
        {
            value = max(value, 0.9)
        }
        // Spelling: edit distance over the compact keys of similar length.
        let longer = max(xCompact.count, yCompact.count)
        if value < 0.9 && longer > 0 && longer <= 64 && abs(xCompact.count - yCompact.count) * 5 <= longer {
            // Only near-misses count: at a fifth of the letters changed, titles are different words.
            let distance = editDistance(xCompact, yCompact, limit: longer / 5 + 1)
            if distance * 5 <= longer { value = max(value, 1 - Double(distance) / Double(longer)) }
        }
        // Sequels and parts: "Part 1" and "Part 2" share every other word.
        if xNumbers != yNumbers && !xNumbers.isEmpty && !yNumbers.isEmpty { value *= 0.5 }
        // Versions named by country: "The Office (UK)" and "The Office (US)".
        if let a = x.bracketCountry, let b = y.bracketCountry, a != b { value *= 0.5 }
        return value
    }

    static func jaccard(_ x: [UInt64], _ y: [UInt64]) -> Double {
        guard !x.isEmpty || !y.isEmpty else { return 0 }
        let common = shared(x, y)
        return Double(common) / Double(x.count + y.count - common)
    }

    /// How many people of `x` are in `y` under some key (at most the smaller count).
    static func sharedPeople(_ x: [[UInt64]], _ y: [[UInt64]]) -> Int {
        let keys = Set(y.joined())
        return min(x.reduce(0) { $0 + ($1.contains(where: keys.contains) ? 1 : 0) }, y.count)
    }

    /// How many values two sorted arrays share.
    static func shared(_ x: [UInt64], _ y: [UInt64]) -> Int {
        var i = 0
        var j = 0
        var shared = 0
        while i < x.count && j < y.count {
            if x[i] == y[j] {
                shared += 1
                i += 1
                j += 1
            } else if x[i] < y[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return shared
    }

    /// Levenshtein distance, giving up (returning `limit`) once it exceeds `limit`.
    static func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
        if a.isEmpty { return min(b.count, limit) }
        if b.isEmpty { return min(a.count, limit) }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum >= limit { return limit }
            swap(&previous, &current)
        }
        return min(previous[b.count], limit)
    }
}
