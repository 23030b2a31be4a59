import MediaModel

/// Which source's value a canonical title shows, per field (`resolution/settings.yml`).
public struct MergePolicy: Sendable, Equatable {
    /// The fields a priority list may name.
    public static let fields = [
        "title", "originalTitle", "year", "releaseDate", "runtimeMinutes", "overview", "ratings", "images",
        "directors", "cast",
    ]
    /// Sources in order of preference, per field; `default` for fields not listed. Unlisted
    /// sources come after listed ones.
    public var priority: [String: [String]] = [:]
    /// Genres kept after the union, those most sources agree on first.
    public var genresCap = 6

    public init() {}
}

/// Merges the records of one cluster into a canonical title.
///
/// Per field, records are ranked by the policy's source priority, then the freshest
/// (`updatedAt`), then the most complete, then by key; the first non-empty value wins and is
/// recorded in `fieldSources`. The overview is the longest one that does not look truncated.
/// External ids, alternate titles per locale, languages and countries are unioned; genres are
/// unioned then capped; offers are deduplicated by (country, service, monetization, quality) —
/// the best-ranked report wins, and a missing expiry or price is filled from the others.
enum TitleMerger {
    static func merge(_ records: [SourceRecord], id: String, policy: MergePolicy = MergePolicy()) -> CanonicalTitle {
        // Completeness and keys are computed once per record, not per comparison; orders are
        // computed once per distinct priority list (most fields share the default one).
        let facts = records.map { (record: $0, key: $0.key, completeness: completeness($0)) }
        var orders: [[String]: [(record: SourceRecord, key: String, completeness: Int)]] = [:]
        func ranked(_ field: String) -> [(record: SourceRecord, key: String, completeness: Int)] {
            let list = policy.priority[field] ?? policy.priority["default"] ?? []
            if let known = orders[list] { return known }
            let indices = facts.indices.sorted { l, r in
                let (lhs, rhs) = (facts[l], facts[r])
                let (a, b) = (
                    list.firstIndex(of: lhs.record.source) ?? list.count,
                    list.firstIndex(of: rhs.record.source) ?? list.count
                )
                if a != b { return a < b }
                let (x, y) = (lhs.record.updatedAt ?? "", rhs.record.updatedAt ?? "")
                if x != y { return x > y }
                if lhs.completeness != rhs.completeness { return lhs.completeness > rhs.completeness }
                return lhs.key < rhs.key
            }
            let order = indices.map { facts[$0] }
            orders[list] = order
            return order
        }
        let byTitle = ranked("title")
        let members = ranked("default").map(\.record)
        var title = CanonicalTitle(id: id, kind: byTitle[0].record.kind, title: byTitle[0].record.title)
        title.members = facts.map(\.key).sorted()
        title.fieldSources["title"] = byTitle[0].key
        title.fieldSources["kind"] = byTitle[0].key

        func pick<Value>(_ field: String, _ value: (SourceRecord) -> Value?) -> Value? {
            for member in (field == "title" ? byTitle : ranked(field)) {
                if let found = value(member.record) {
                    title.fieldSources[field] = member.key
                    return found
                }
            }
            return nil
        }
        title.originalTitle = pick("originalTitle") { $0.originalTitle }
        title.year = pick("year") { $0.year }
        title.releaseDate = pick("releaseDate") { $0.releaseDate }
        title.runtimeMinutes = pick("runtimeMinutes") { $0.runtimeMinutes }
        // The longest overview that does not look cut off; else any, by rank.
        let overviews = ranked("overview").compactMap { member in
            member.record.overview.flatMap { $0.isEmpty ? nil : (member.key, $0) }
        }
        let good = overviews.filter { !$0.1.hasSuffix("...") && !$0.1.hasSuffix("…") }
        if let best = (good.isEmpty ? Array(overviews.prefix(1)) : good).enumerated().max(by: { lhs, rhs in
            lhs.element.1.count != rhs.element.1.count
                ? lhs.element.1.count < rhs.element.1.count : lhs.offset > rhs.offset
        })?.element {
            title.overview = best.1
            title.fieldSources["overview"] = best.0
        }
        title.ratings = pick("ratings") { $0.ratings.flatMap { $0.isEmpty ? nil : $0 } }
        title.images = pick("images") { $0.images.flatMap { $0.isEmpty ? nil : $0 } }
        title.directors = pick("directors") { $0.directors.flatMap { $0.isEmpty ? nil : $0 } } ?? []
        title.cast = pick("cast") { $0.cast.flatMap { $0.isEmpty ? nil : $0 } } ?? []

        var alternates: [String: [String]] = [:]
        var genreVotes: [Genre: Int] = [:]
        var languages: [String] = []
        var countries: [String] = []
        var offers: [OfferIdentity: Offer] = [:]
        var reporters: [OfferIdentity: [String]] = [:]
        for record in members {
            if let ids = record.externalIDs { title.externalIDs.fillGaps(from: ids) }
            for (locale, names) in record.alternateTitles ?? [:] {
                for name in names where !(alternates[locale]?.contains(name) ?? false) {
                    alternates[locale, default: []].append(name)
                }
            }
            for genre in Set(record.genres ?? []) { genreVotes[genre, default: 0] += 1 }
            for language in record.languages ?? [] where !languages.contains(language) { languages.append(language) }
            for country in record.countries ?? [] where !countries.contains(country) { countries.append(country) }
            for offer in record.offers ?? [] {
                if reporters[offer.identity]?.last != record.key {
                    reporters[offer.identity, default: []].append(record.key)
                }
                guard var kept = offers[offer.identity] else {
                    offers[offer.identity] = offer
                    continue
                }
                kept.price = kept.price ?? offer.price
                kept.expiresOn = kept.expiresOn ?? offer.expiresOn
                kept.availableSince = kept.availableSince ?? offer.availableSince
                kept.deepLink = kept.deepLink ?? offer.deepLink
                kept.webURL = kept.webURL ?? offer.webURL
                offers[offer.identity] = kept
            }
        }
        title.alternateTitles = alternates.isEmpty ? nil : alternates
        title.genres = genreVotes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(policy.genresCap).map(\.key).sorted()
        title.languages = languages
        title.countries = countries
        // Each offer names the records that reported it, whichever provider's report was kept.
        title.offers = offers.keys.sorted().map { identity in
            var offer = offers[identity]!
            offer.sources = reporters[identity]?.sorted()
            return offer
        }
        return title
    }

    /// How many descriptive fields a record fills; offers-only records rank below full metadata.
    static func completeness(_ record: SourceRecord) -> Int {
        var count = 0
        if record.originalTitle != nil { count += 1 }
        if record.year != nil { count += 1 }
        if record.releaseDate != nil { count += 1 }
        if record.runtimeMinutes != nil { count += 1 }
        if !(record.overview ?? "").isEmpty { count += 1 }
        if !(record.genres ?? []).isEmpty { count += 1 }
        if !(record.directors ?? []).isEmpty { count += 1 }
        if !(record.cast ?? []).isEmpty { count += 1 }
        return count
    }
}
