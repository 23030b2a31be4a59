import MediaModel

/// People named by a record (its directors, or its cast), for counting shared people without
/// allocating: every key hash of every person (`PersonNormalizer.keyHashes`), sorted, each with
/// the person's position in its low five bits.
struct People: Sendable {
    /// How many people (at most 32).
    let count: Int
    /// `hash & ~31 | person`, sorted.
    let keys: [UInt64]
    /// Each person's first key and romanization key (the last), for blocking on directors;
    /// empty unless asked for.
    let blockKeys: [UInt64]

    static let mask: UInt64 = 31

    /// `cache` holds the key hashes of names met before: catalogues name the same people
    /// over and over, and their keys are most of the cost of a record's features.
    init<Names: Sequence<String>>(_ names: Names, cache: inout [String: [UInt64]], blocking: Bool = false) {
        var seen = Set<[UInt64]>()
        var keys: [UInt64] = []
        var blockKeys: [UInt64] = []
        var count = 0
        for name in names where count < 32 {
            let hashes: [UInt64]
            if let known = cache[name] {
                hashes = known
            } else {
                hashes = PersonNormalizer.keyHashes(name)
                if cache.count < 1_000_000 { cache[name] = hashes }
            }
            guard !hashes.isEmpty && seen.insert(hashes).inserted else { continue }
            for hash in hashes { keys.append(hash & ~Self.mask | UInt64(count)) }
            if blocking {
                blockKeys.append(hashes[0])
                if hashes.count > 1 { blockKeys.append(hashes[hashes.count - 1]) }
            }
            count += 1
        }
        keys.sort()
        self.count = count
        self.keys = keys
        self.blockKeys = blockKeys
    }

    var isEmpty: Bool { count == 0 }

    /// How many of these people are among `other` under some key (at most the smaller count):
    /// one walk over both sorted key lists.
    func shared(with other: People) -> Int {
        var found: UInt32 = 0
        var i = 0
        var j = 0
        let x = keys
        let y = other.keys
        while i < x.count && j < y.count {
            let a = x[i] & ~Self.mask
            let b = y[j] & ~Self.mask
            if a == b {
                found |= 1 << UInt32(x[i] & Self.mask)
                i += 1
            } else if a < b {
                i += 1
            } else {
                j += 1
            }
        }
        return min(found.nonzeroBitCount, other.count)
    }
}

/// One title variant as the matcher compares it: hashes of its words instead of the words.
struct TitleForm: Sendable {
    /// `stableHash` of the words (`NormalizedTitle.key`).
    let key: UInt64
    /// Of the main title's words, when the main title is shorter than the whole.
    let main: UInt64?
    /// Of the compact key with number words as digits.
    let numeric: UInt64
    /// Of the words sorted (reordered titles).
    let sortedWords: UInt64
    /// Of the compact key's first five letters (spelling differences meet by it).
    let prefix: UInt64
    /// Whether the title has a digit or a number word (its numeric key is worth a block).
    let hasNumber: Bool
    let country: String?
    /// Sorted distinct word hashes, for Jaccard similarity.
    let words: [UInt64]
    /// Sorted hashes of the words that are numbers ("2", "1984"): sequels and parts differ in them.
    let numbers: [UInt64]
    /// The compact key as bytes, for equality and edit distance.
    let compact: [UInt8]
    /// How much a match on this form counts: 1 for forms the record writes, less for derived
    /// ones (another film may be called just `Demon Knight`).
    let weight: Double

    init(_ title: NormalizedTitle, weight: Double) {
        key = stableHash(title.key)
        main = title.mainTokens.count < title.tokens.count ? stableHash(title.mainKey) : nil
        numeric = stableHash(title.numericKey)
        sortedWords = stableHash(title.tokens.sorted().joined(separator: " "))
        let compactKey = title.compactKey
        prefix = stableHash(String(compactKey.prefix(5)))
        compact = Array(compactKey.utf8)
        hasNumber = title.numericKey != compactKey || compact.contains(where: { (0x30...0x39).contains($0) })
        country = title.bracketCountry
        words = Array(Set(title.tokens.map(stableHash))).sorted()
        numbers = Array(Set(title.tokens.filter { $0.allSatisfy(\.isNumber) }.map(stableHash))).sorted()
        self.weight = weight
    }
}

/// What the matcher knows about one record, computed once. A class: the scorer reads two of
/// these per candidate pair, and copying a struct of arrays would retain every one of them.
final class RecordFeatures: Sendable {
    /// Which records may ever be one title: movies with movies, series with series, …
    enum Family: UInt8, Sendable {
        case film, short, video, series, season, episode
    }

    let family: Family
    let source: String
    /// The provider's own entity: the id before `@` (per-country records of one show share it).
    let entity: String
    /// Title variants (``variants(_:)``).
    let titles: [TitleForm]
    let year: Int?
    let runtime: Int?
    /// The directors, and the first ``castLimit`` of the cast.
    let directors: People
    let cast: People
    let language: String?
    /// External id keys (`imdb:tt0068646`), by kind.
    let ids: [String: String]

    /// How much a match on a derived title form counts (``titles``).
    static let derivedWeight = 0.9
    /// Cast members compared per record. Sources order cast differently (billing order, or
    /// alphabetically), so a short prefix of one list often misses the other's leads.
    static let castLimit = 12

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

    /// A record's title variants, normalized, with the weight a match on each counts: the
    /// title, the original title, alternate titles, and the forms each of those stands for
    /// (`TitleNormalizer.variants`), at most eight, at 1; then forms derived from them —
    /// without a credit in front (`Wes Craven's New Nightmare` → `New Nightmare`) and the part
    /// after a leading main title (`Tales from the Crypt: Demon Knight` → `Demon Knight`) — at
    /// most four more, at ``derivedWeight``.
    static func variants(_ record: SourceRecord) -> [(title: NormalizedTitle, weight: Double)] {
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
        let written = names.map(TitleNormalizer.normalize).filter { !$0.tokens.isEmpty }
        var derived: [NormalizedTitle] = []
        func derive(_ title: NormalizedTitle) {
            if derived.count < 4 && !title.tokens.isEmpty && !written.contains(where: { $0.tokens == title.tokens })
                && !derived.contains(where: { $0.tokens == title.tokens })
            {
                derived.append(title)
            }
        }
        for name in names {
            if let rest = TitleNormalizer.creditless(name) { derive(TitleNormalizer.normalize(rest)) }
        }
        // A one-word tail is too often generic (`Pokémon 3: The Movie`) or another film's
        // title (`Ghost in the Shell 2: Innocence`).
        for title in written + derived where title.tailTokens != title.tokens && title.tailTokens.count > 1 {
            var tail = title
            tail.tokens = title.tailTokens
            tail.mainTokens = title.tailTokens
            tail.numericKey = title.tailTokens.map { TitleNormalizer.spelledNumbers[$0] ?? $0 }.joined()
            derive(tail)
        }
        return written.map { ($0, 1) } + derived.map { ($0, derivedWeight) }
    }

    /// The features of every record, on all cores.
    static func all(_ records: [SourceRecord]) -> [RecordFeatures] {
        records.parallelMap(state: { [String: [UInt64]]() }) { cache, record in RecordFeatures(record, people: &cache) }
    }

    convenience init(_ record: SourceRecord) {
        var cache: [String: [UInt64]] = [:]
        self.init(record, people: &cache)
    }

    /// `people` caches the key hashes of people's names (``People``).
    init(_ record: SourceRecord, people: inout [String: [UInt64]]) {
        family = Self.family(record.kind)
        source = record.source
        entity = String(record.id.prefix { $0 != "@" })
        let variants = Self.variants(record)
        titles = variants.map { TitleForm($0.title, weight: $0.weight) }
        year =
            record.year ?? record.releaseDate.flatMap { Int($0.prefix(4)) } ?? variants.first?.title.bracketYear
        runtime = record.runtimeMinutes
        directors = People(record.directors ?? [], cache: &people, blocking: true)
        cast = People((record.cast ?? []).prefix(Self.castLimit), cache: &people)
        language = record.languages?.first?.lowercased()
        var ids: [String: String] = [:]
        if let external = record.externalIDs {
            if let value = external.imdb { ids["imdb"] = value }
            if let value = external.tmdbMovie { ids["tmdb-movie"] = String(value) }
            if let value = external.tmdbTV { ids["tmdb-tv"] = String(value) }
            if let value = external.tvdb { ids["tvdb"] = String(value) }
            if let value = external.eidr { ids["eidr"] = value }
            if let value = external.wikidata { ids["wikidata"] = value }
        }
        self.ids = ids
    }
}

/// FNV-1a, 64 bits: the same in every process (Swift's `Hasher` is seeded per process).
func stableHash(_ text: String) -> UInt64 {
    var hasher = StableHasher()
    hasher.add(text)
    return hasher.value
}

func stableHash(_ bytes: [UInt8]) -> UInt64 {
    var hasher = StableHasher()
    for byte in bytes { hasher.add(byte) }
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
    public var reviewThreshold = 0.78
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
    /// A pair whose titles share too little scores this times its other evidence
    /// (`PairScorer.otherEvidence`): 0.9 merges a pair whose director, year, runtime and two
    /// cast members agree, and sends one with less to review.
    public var evidenceWeight = 0.92

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
                Double(a.directors.shared(with: b.directors)) / Double(min(a.directors.count, b.directors.count))
        }
        var sharedCast = 0
        if !a.cast.isEmpty && !b.cast.isEmpty {
            sharedCast = a.cast.shared(with: b.cast)
            result.cast = Double(sharedCast) / Double(min(a.cast.count, b.cast.count))
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
        // A weak title match cannot be carried by agreeing metadata — unless that metadata is
        // strong and specific: a translated or retitled film (`Le Dîner de Cons` / `The Dinner
        // Game`) shares its director, year, runtime and cast.
        if result.title < 0.5 {
            result.score = min(result.score, result.title)
            if let evidence = otherEvidence(a, b, result, sharedCast: sharedCast) {
                result.evidence = evidence
                result.score = max(result.score, settings.evidenceWeight * evidence)
            }
        }
        if result.veto != nil { result.score = 0 }
        return result
    }

    /// How strongly everything but the title says two records are one film (0…1), or nil when
    /// it cannot: the directors must agree and the years be at most one apart, and titles
    /// numbered differently (sequels, parts) are never weighed. Director 0.3, year 0.2 (0.16 a
    /// year apart), runtime 0.2 (0.17 within six minutes, nothing further apart or unknown),
    /// cast 0.3 (half for one shared name, all for two).
    static func otherEvidence(_ a: RecordFeatures, _ b: RecordFeatures, _ score: PairScore, sharedCast: Int)
        -> Double?
    {
        guard let directors = score.directors, directors > 0, let years = score.yearDistance, years <= 1 else {
            return nil
        }
        if let x = a.titles.first?.numbers, let y = b.titles.first?.numbers, !x.isEmpty, !y.isEmpty, x != y {
            return nil
        }
        var evidence = 0.3 + (years == 0 ? 0.2 : 0.16)
        switch score.runtimeDistance {
        case .some(let d) where d <= 3: evidence += 0.2
        case .some(let d) where d <= 6: evidence += 0.17
        default: break
        }
        evidence += 0.3 * min(1, Double(sharedCast) / 2)
        return evidence
    }

    /// The best similarity over the title variants of two records, a derived form's counting
    /// at its weight.
    static func titleSimilarity(_ a: RecordFeatures, _ b: RecordFeatures) -> Double {
        var best = 0.0
        for x in a.titles {
            for y in b.titles {
                let weight = min(x.weight, y.weight)
                if weight <= best { continue }
                best = max(best, weight * similarity(x, y))
                if best >= 1 { return 1 }
            }
        }
        return best
    }

    static func similarity(_ x: TitleForm, _ y: TitleForm) -> Double {
        if x.key == y.key && x.country == y.country { return 1 }
        if x.compact == y.compact { return 0.98 }
        if x.numeric == y.numeric { return 0.97 }
        var value = jaccard(x.words, y.words)
        // One title is the other's main title ("Star Wars" and "Star Wars: Episode IV – A New Hope").
        if x.key == y.main || y.key == x.main { value = max(value, 0.9) }
        // Spelling: edit distance over the compact keys of similar length.
        let longer = max(x.compact.count, y.compact.count)
        // A number more or less is a sequel, not a spelling (`Housefull` and `Housefull 2`).
        if value < 0.9 && longer > 0 && longer <= 64 && abs(x.compact.count - y.compact.count) * 5 <= longer
            && x.numbers == y.numbers
        {
            // Only near-misses count: at a fifth of the letters changed, titles are different words.
            let distance = editDistance(x.compact, y.compact, limit: longer / 5 + 1)
            if distance * 5 <= longer { value = max(value, 1 - Double(distance) / Double(longer)) }
        }
        // Sequels and parts: "Part 1" and "Part 2" share every other word.
        if x.numbers != y.numbers && !x.numbers.isEmpty && !y.numbers.isEmpty { value *= 0.5 }
        // Versions named by country: "The Office (UK)" and "The Office (US)".
        if let a = x.country, let b = y.country, a != b { value *= 0.5 }
        return value
    }

    static func jaccard(_ x: [UInt64], _ y: [UInt64]) -> Double {
        guard !x.isEmpty || !y.isEmpty else { return 0 }
        let common = shared(x, y)
        return Double(common) / Double(x.count + y.count - common)
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
