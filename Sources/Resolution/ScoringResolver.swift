import Foundation
import MediaModel

/// The matcher: external-id links, blocking on title keys, pairwise scores, and clustering that
/// will not chain unrelated titles together.
///
/// 1. Records of one provider entity (`82@us`, `82@gb`) are one title; records sharing an
///    external id of the same kind (IMDb, TMDb movie, TMDb TV, TVDB, EIDR, Wikidata) link.
/// 2. Candidates meet in blocks of normalized title keys: the whole title, the main title, the
///    sorted words (reordered titles), the title without spaces, the same with number words as
///    digits, and a prefix with the year (spelling differences), over every title variant
///    (original and alternate titles, and forms without a credit or a leading main title); and
///    in blocks of a director with the year (translated titles).
/// 3. Each candidate pair is scored on title similarity (exact, Jaccard, edit distance, main
///    title), year and runtime distance, directors, cast and language; kinds must agree and years
///    more than the tolerance apart never merge (remakes).
/// 4. Edges merge best first. A cluster never takes in a second entity of a source it already
///    holds (a provider lists a title once), unless the two carry the same external id (the
///    source duplicates) — and never two different ids of one kind from one source. Forced
///    splits are honoured the same way; forced merges are applied last.
/// 5. Seasons and episodes resolve within their parent's title, by season and episode number.
public struct ScoringResolver: TitleResolver {
    public var settings: MatchSettings
    public var overrides: Overrides
    /// Which source's value each field shows.
    public var merge = MergePolicy()

    public init(settings: MatchSettings = MatchSettings(), overrides: Overrides = Overrides()) {
        self.settings = settings
        self.overrides = overrides
    }

    /// Raised whenever a scoring rule changes, so the next build resolves everything again
    /// under the new rules instead of keeping decisions the old ones made.
    static let rulesVersion = 4

    /// Everything the outcome depends on besides the records, the same in every process.
    public var configurationDigest: String {
        let priority = merge.priority.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return
            "rules \(Self.rulesVersion)|\(settings)|\(overrides.merge)|\(overrides.split.map { [$0.0, $0.1] })|\(priority)|\(merge.genresCap)"
    }

    public func resolve(_ records: [SourceRecord], identity: IdentityMap) -> ResolvedCatalog {
        let outcome = cluster(records)
        return finish(records, clusters: outcome.clusters, review: outcome.review, identity: identity)
    }

    /// Re-resolves only what `changed` (keys of new or changed records) can affect: the changed
    /// records, the records sharing a title block with them, every title any of those belonged
    /// to, titles that lost a record, and the shows, seasons and episodes around them. Every
    /// other title keeps its members from `identity` without being scored again.
    /// Returns the catalog and how many records were re-resolved.
    public func resolveIncrementally(_ records: [SourceRecord], identity: IdentityMap, changed: Set<String>)
        -> (catalog: ResolvedCatalog, reresolved: Int)?
    {
        resolve(records, identity: identity, changed: changed)
    }

    public func resolve(_ records: [SourceRecord], identity: IdentityMap, changed: Set<String>)
        -> (catalog: ResolvedCatalog, reresolved: Int)
    {
        let features = RecordFeatures.all(records)
        var previous: [Int: String] = [:]
        var dirtyIDs = Set<String>()
        var dirty = Set<Int>()
        let present = Set(records.map(\.key))
        for (key, id) in identity.assignments where !present.contains(key) { dirtyIDs.insert(id) }
        let named = Set(overrides.merge.flatMap { $0 } + overrides.split.flatMap { [$0.0, $0.1] })
        for (index, record) in records.enumerated() {
            if let id = identity.assignments[record.key] { previous[index] = id }
            if changed.contains(record.key) || previous[index] == nil || named.contains(record.key) {
                dirty.insert(index)
                if let id = previous[index] { dirtyIDs.insert(id) }
            }
        }
        // Neighbours: the records a dirty record would be scored against (its candidate pairs,
        // including the nearest-neighbour rule of large blocks).
        var affected = Set(dirty)
        for pair in candidatePairs(features) {
            let (a, b) = (Int(pair >> 32), Int(pair & 0xFFFF_FFFF))
            if dirty.contains(a) || dirty.contains(b) {
                affected.insert(a)
                affected.insert(b)
            }
        }
        // Whole titles, and the family around them (parents and children), until nothing is added.
        var byID: [String: [Int]] = [:]
        for (index, id) in previous { byID[id, default: []].append(index) }
        var position: [String: Int] = [:]
        var children: [String: [Int]] = [:]
        for (index, record) in records.enumerated() {
            position[record.key] = index
            if let parent = record.parentID { children["\(record.source):\(parent)", default: []].append(index) }
        }
        var frontier = Array(affected) + dirtyIDs.flatMap { byID[$0] ?? [] }
        affected.formUnion(frontier)
        var seenIDs = Set<String>()
        while let index = frontier.popLast() {
            var related: [Int] = children[records[index].key] ?? []
            if let parent = records[index].parentID, let found = position["\(records[index].source):\(parent)"] {
                related.append(found)
            }
            if let id = previous[index], seenIDs.insert(id).inserted { related += byID[id] ?? [] }
            for other in related where affected.insert(other).inserted { frontier.append(other) }
        }
        let subset = affected.sorted()
        let outcome = cluster(subset.map { records[$0] }, features: subset.map { features[$0] })
        var clusters = outcome.clusters.map { $0.map { subset[$0] } }
        var untouched: [String: [Int]] = [:]
        for index in records.indices where !affected.contains(index) {
            untouched[previous[index]!, default: []].append(index)
        }
        clusters += untouched.values.map { $0.sorted() }
        clusters.sort { $0[0] < $1[0] }
        let review = outcome.review.map { (a: subset[$0.a], b: subset[$0.b], scores: $0.scores) }
        return (finish(records, clusters: clusters, review: review, identity: identity), subset.count)
    }

    private func finish(
        _ records: [SourceRecord],
        clusters: [[Int]],
        review: [(a: Int, b: Int, scores: PairScore)],
        identity: IdentityMap
    ) -> ResolvedCatalog {
        var assigner = IdentityAssigner(previous: identity)
        let identified = assigner.assign(clusters.map { $0.map { records[$0].key } })
        let work = Array(zip(clusters, identified))
        let policy = merge
        var titles = work.parallelMap { cluster, id in
            TitleMerger.merge(cluster.map { records[$0] }, id: id, policy: policy)
        }
        titles.sort { $0.id < $1.id }
        var catalog = ResolvedCatalog(titles: titles, identity: assigner.identity)
        catalog.review = review.map {
            ReviewPair(a: records[$0.a].key, b: records[$0.b].key, scores: $0.scores)
        }
        return catalog
    }

    struct Outcome {
        var clusters: [[Int]]
        var review: [(a: Int, b: Int, scores: PairScore)]
        var features: [RecordFeatures]
    }

    /// Clusters record indices; each cluster sorted, the list sorted by first member.
    func cluster(_ records: [SourceRecord], features known: [RecordFeatures]? = nil) -> Outcome {
        let features = known ?? RecordFeatures.all(records)
        var state = ClusterState(features: features)
        var index: [String: Int] = [:]
        for (position, record) in records.enumerated() { index[record.key] = position }
        for (a, b) in overrides.split {
            if let x = index[a], let y = index[b] { state.forbid(x, y) }
        }

        // 1. One provider entity is one title; then shared external ids.
        var holders: [String: Int] = [:]
        for (position, feature) in features.enumerated() where feature.family != .season && feature.family != .episode {
            let entityKey = "\(feature.family.rawValue)|\(feature.source)|\(feature.entity)"
            if let holder = holders[entityKey] {
                state.union(holder, position, byID: true)
            } else {
                holders[entityKey] = position
            }
        }
        var idHolders: [String: [Int]] = [:]
        for (position, feature) in features.enumerated() where feature.family != .season && feature.family != .episode {
            for (kind, value) in feature.ids.sorted(by: { $0.key < $1.key }) {
                idHolders["\(feature.family.rawValue)|\(kind):\(value)", default: []].append(position)
            }
        }
        for (_, members) in idHolders.sorted(by: { $0.key < $1.key }) where members.count > 1 {
            for other in members.dropFirst() { state.union(members[0], other, byID: true) }
        }

        // 2–4. Blocks, scores, best-first merging.
        let pairs = candidatePairs(features)
        // Scored in chunks that keep only the pairs worth an edge: most candidates are not.
        let chunk = 8192
        let settings = self.settings
        let ranges = stride(from: 0, to: pairs.count, by: chunk).map { $0..<min(pairs.count, $0 + chunk) }
        // An edge is the pair and its score only; the few that go to review are scored again
        // for their details, so a million edges do not each carry a `PairScore`.
        var edges = Array(
            ranges.parallelMap { range -> [(pair: UInt64, score: Double)] in
                var kept: [(pair: UInt64, score: Double)] = []
                for pair in pairs[range] {
                    let score = PairScorer.score(
                        features[Int(pair >> 32)],
                        features[Int(pair & 0xFFFF_FFFF)],
                        settings: settings
                    )
                    if score.score >= settings.reviewThreshold { kept.append((pair, score.score)) }
                }
                return kept
            }.joined()
        )
        edges.sort { $0.score != $1.score ? $0.score > $1.score : $0.pair < $1.pair }
        var review: [(a: Int, b: Int, scores: PairScore)] = []
        for (pair, score) in edges {
            let (a, b) = (Int(pair >> 32), Int(pair & 0xFFFF_FFFF))
            if score >= settings.mergeThreshold {
                state.union(a, b, byID: false)
            } else if state.find(a) != state.find(b) {
                review.append((a, b, PairScorer.score(features[a], features[b], settings: settings)))
            }
        }
        // Forced merges win over everything.
        for group in overrides.merge {
            let members = group.compactMap { index[$0] }
            for other in members.dropFirst() { state.force(members[0], other) }
        }
        // Borderline pairs that ended up together anyway are not worth a look, and two titles
        // are shown once (by their best-scoring records), not once per country record.
        var seen = Set<[Int]>()
        review = review.filter { pair in
            let (x, y) = (state.find(pair.a), state.find(pair.b))
            return x != y && seen.insert([min(x, y), max(x, y)]).inserted
        }

        // 5. Seasons and episodes within their parent title.
        for (position, feature) in features.enumerated() where feature.family == .season || feature.family == .episode {
            let record = records[position]
            var scope = "\(record.source):\(record.parentID ?? "")"
            var parent = record.parentID.flatMap { index["\(record.source):\($0)"] }
            // An episode's parent may be a season: resolve within the season's show.
            if let season = parent, features[season].family == .season,
                let show = records[season].parentID.flatMap({ index["\(record.source):\($0)"] })
            {
                parent = show
            }
            if let parent { scope = "title:\(state.find(parent))" }
            let numbers: String
            if let season = record.seasonNumber {
                numbers = "s\(season)" + (record.episodeNumber.map { "e\($0)" } ?? "")
            } else {
                numbers = "t:" + (feature.titles.first.map { String($0.key) } ?? record.id)
            }
            let key = "\(feature.family.rawValue)|\(scope)|\(numbers)"
            if let holder = holders[key] {
                state.union(holder, position, byID: true)
            } else {
                holders[key] = position
            }
        }

        var groups: [Int: [Int]] = [:]
        for position in records.indices { groups[state.find(position), default: []].append(position) }
        let clusters = groups.values.map { $0.sorted() }.sorted { $0[0] < $1[0] }
        return Outcome(clusters: clusters, review: review, features: features)
    }

    /// The title-block keys of a record (none for seasons and episodes, which resolve within
    /// their show).
    static func blockKeys(_ feature: RecordFeatures) -> [UInt64] {
        guard feature.family != .season && feature.family != .episode else { return [] }
        var keys = Set<UInt64>()
        let family = feature.family.rawValue
        func key(_ kind: UInt8, _ value: UInt64, _ year: Int = 0) -> UInt64 {
            var hasher = StableHasher()
            hasher.add(family)
            hasher.add(kind)
            for shift in stride(from: 0, to: 64, by: 8) { hasher.add(UInt8(truncatingIfNeeded: value >> shift)) }
            for shift in stride(from: 0, to: 32, by: 8) { hasher.add(UInt8(truncatingIfNeeded: year >> shift)) }
            return hasher.value
        }
        for title in feature.titles {
            keys.insert(key(UInt8(ascii: "k"), title.key))
            keys.insert(key(UInt8(ascii: "c"), stableHash(title.compact)))
            keys.insert(key(UInt8(ascii: "s"), title.sortedWords))
            // The main title meets whole titles: the same kind of key.
            if let main = title.main { keys.insert(key(UInt8(ascii: "k"), main)) }
            if title.hasNumber { keys.insert(key(UInt8(ascii: "n"), title.numeric)) }
            if let year = feature.year {
                for y in (year - 1)...(year + 1) { keys.insert(key(UInt8(ascii: "p"), title.prefix, y)) }
            }
        }
        // Titles that share no words (translations) meet through a director and the year, or
        // the next: records a year apart share one of the two keys. These keys carry the top
        // bit (``directorBlock``) and the others do not.
        var result = keys.map { $0 & ~Self.directorBlock }
        if let year = feature.year {
            for person in feature.directors.blockKeys {
                for y in year...(year + 1) { result.append(key(UInt8(ascii: "d"), person, y) | Self.directorBlock) }
            }
        }
        return result
    }

    /// The bit that marks a director block's key.
    static let directorBlock: UInt64 = 1 << 63
    /// Director blocks larger than this pair nothing: four sources listing two films of one
    /// director in a year and the next fill sixteen.
    static let maxDirectorBlock = 16

    /// Candidate pairs (`a << 32 | b`, a < b), each once, from the title-key blocks.
    func candidatePairs(_ features: [RecordFeatures]) -> [UInt64] {
        // (block hash, record) for every key of every record, sorted so blocks are runs.
        var entries: [(UInt64, Int32)] = []
        do {
            let keyed = features.parallelMap(Self.blockKeys)
            entries.reserveCapacity(keyed.reduce(0) { $0 + $1.count })
            for (position, keys) in keyed.enumerated() {
                for key in keys { entries.append((key, Int32(position))) }
            }
        }
        entries.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var pairs: [UInt64] = []
        var start = 0
        while start < entries.count {
            var end = start + 1
            while end < entries.count && entries[end].0 == entries[start].0 { end += 1 }
            // A director block of many records is a name too common, or a director too
            // prolific that year, to say which film is which: it is not evidence.
            // Most keys are one record's alone.
            if end - start > 1 && (entries[start].0 & Self.directorBlock == 0 || end - start <= Self.maxDirectorBlock) {
                let block = entries[start..<end].map { Int($0.1) }
                addPairs(block, features, into: &pairs)
            }
            start = end
        }
        // Each pair once, in place: a second array would double the peak.
        pairs.sort()
        var kept = 0
        for index in pairs.indices where kept == 0 || pairs[kept - 1] != pairs[index] {
            pairs[kept] = pairs[index]
            kept += 1
        }
        pairs.removeLast(pairs.count - kept)
        return pairs
    }

    private func addPairs(_ block: [Int], _ features: [RecordFeatures], into pairs: inout [UInt64]) {
        guard block.count > 1 else { return }
        func add(_ x: Int, _ y: Int) {
            let (a, b) = x < y ? (x, y) : (y, x)
            let first = features[a]
            let second = features[b]
            // One source lists a title once: its records meet only through shared ids.
            if first.source == second.source { return }
            if let p = first.year, let q = second.year, abs(p - q) > settings.yearTolerance { return }
            pairs.append(UInt64(a) << 32 | UInt64(b))
        }
        if block.count <= settings.maxBlockSize {
            for i in 0..<block.count {
                for j in (i + 1)..<block.count { add(block[i], block[j]) }
            }
            return
        }
        // A large block ("Hamlet", a common prefix): records sorted by year and title meet
        // their next few neighbours of nearby years, where spelling variants of one title sort.
        struct Entry {
            var record: Int
            var year: Int
            var key: [UInt8]
        }
        let sorted = block.map { record -> Entry in
            let feature = features[record]
            return Entry(record: record, year: feature.year ?? 0, key: feature.titles.first?.compact ?? [])
        }.sorted { $0.year != $1.year ? $0.year < $1.year : $0.key.lexicographicallyPrecedes($1.key) }
        let neighbours = 8
        for i in 0..<sorted.count {
            var j = i + 1
            while j < sorted.count && j - i <= neighbours {
                let apart: Int = sorted[j].year - sorted[i].year
                if apart > settings.yearTolerance { break }
                add(sorted[i].record, sorted[j].record)
                j += 1
            }
        }
    }

    /// Why `key`'s record is or is not one title with its candidates.
    public func explain(_ key: String, in records: [SourceRecord]) -> Explanation? {
        guard let position = records.firstIndex(where: { $0.key == key }) else { return nil }
        let outcome = cluster(records)
        let features = outcome.features
        let clusterOf = Dictionary(
            uniqueKeysWithValues: outcome.clusters.enumerated().flatMap { index, members in members.map { ($0, index) }
            }
        )
        let members = outcome.clusters[clusterOf[position]!].map { records[$0].key }
        var candidates: [Explanation.Candidate] = []
        for pair in candidatePairs(features) {
            let a = Int(pair >> 32)
            let b = Int(pair & 0xFFFF_FFFF)
            guard a == position || b == position else { continue }
            let other = a == position ? b : a
            let score = PairScorer.score(features[position], features[other], settings: settings)
            candidates.append(
                .init(
                    key: records[other].key,
                    title: records[other].title,
                    year: records[other].year,
                    together: clusterOf[other] == clusterOf[position],
                    scores: score
                )
            )
        }
        candidates.sort { $0.scores.score > $1.scores.score }
        let linked = features[position].ids.map { "\($0.key):\($0.value)" }.sorted()
        let variants = RecordFeatures.variants(records[position])
        return Explanation(
            key: key,
            title: records[position].title,
            normalized: variants.filter { $0.weight >= 1 }.map(\.title.key),
            derived: variants.filter { $0.weight < 1 }.map(\.title.key),
            externalIDs: linked,
            members: members,
            candidates: candidates,
            mergeThreshold: settings.mergeThreshold,
            reviewThreshold: settings.reviewThreshold
        )
    }
}

/// `mediagw resolve explain`: a record, the title it ended in, and every candidate's scores.
public struct Explanation: Sendable, Codable {
    public struct Candidate: Sendable, Codable {
        public var key: String
        public var title: String
        public var year: Int?
        /// Whether the candidate ended in the same title (by id, score or override).
        public var together: Bool
        public var scores: PairScore
    }

    public var key: String
    public var title: String
    public var normalized: [String]
    /// Forms derived from the title (without a credit, after a leading main title), which
    /// count at less than a written form.
    public var derived: [String]
    public var externalIDs: [String]
    /// The source keys of the title the record is in.
    public var members: [String]
    public var candidates: [Candidate]
    public var mergeThreshold: Double
    public var reviewThreshold: Double
}
