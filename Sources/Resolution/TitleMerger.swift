import MediaModel

/// Merges the records of one cluster into a canonical title.
///
/// Field-level rule for now: records are ranked by how complete their metadata is (then by key),
/// and the first non-empty value in that order wins and is recorded in `fieldSources`; list
/// fields are unioned; offers are deduplicated by (country, service, monetization, quality),
/// first report kept. The entity-resolution issue replaces this with configurable priorities.
enum TitleMerger {
    static func merge(_ records: [SourceRecord], id: String) -> CanonicalTitle {
        // Rank once: completeness and keys are computed per record, not per comparison.
        let ranked = records.map { (record: $0, key: $0.key, completeness: completeness($0)) }
            .sorted { $0.completeness != $1.completeness ? $0.completeness > $1.completeness : $0.key < $1.key }
        let members = ranked.map(\.record)
        let first = members[0]
        var title = CanonicalTitle(id: id, kind: first.kind, title: first.title)
        title.members = ranked.map(\.key).sorted()
        title.fieldSources["title"] = ranked[0].key
        title.fieldSources["kind"] = ranked[0].key

        func pick<Value>(_ field: String, _ value: (SourceRecord) -> Value?) -> Value? {
            for member in ranked {
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
        title.overview = pick("overview") { $0.overview.flatMap { $0.isEmpty ? nil : $0 } }
        title.ratings = pick("ratings") { $0.ratings.flatMap { $0.isEmpty ? nil : $0 } }
        title.images = pick("images") { $0.images.flatMap { $0.isEmpty ? nil : $0 } }
        title.directors = pick("directors") { $0.directors.flatMap { $0.isEmpty ? nil : $0 } } ?? []
        title.cast = pick("cast") { $0.cast.flatMap { $0.isEmpty ? nil : $0 } } ?? []

        var alternates: [String: [String]] = [:]
        var genres = Set<Genre>()
        var languages: [String] = []
        var countries: [String] = []
        var offers: [OfferIdentity: Offer] = [:]
        for record in members {
            if let ids = record.externalIDs { title.externalIDs.fillGaps(from: ids) }
            for (locale, names) in record.alternateTitles ?? [:] {
                for name in names where !(alternates[locale]?.contains(name) ?? false) {
                    alternates[locale, default: []].append(name)
                }
            }
            genres.formUnion(record.genres ?? [])
            for language in record.languages ?? [] where !languages.contains(language) { languages.append(language) }
            for country in record.countries ?? [] where !countries.contains(country) { countries.append(country) }
            for offer in record.offers ?? [] where offers[offer.identity] == nil {
                offers[offer.identity] = offer
            }
        }
        title.alternateTitles = alternates.isEmpty ? nil : alternates
        title.genres = genres.sorted()
        title.languages = languages
        title.countries = countries
        title.offers = offers.keys.sorted().map { offers[$0]! }
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
