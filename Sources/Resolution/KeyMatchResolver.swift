import Crypto
import Foundation
import MediaModel

/// The minimal matcher: records that share an external id (IMDb, TMDb movie, TMDb TV, EIDR), or
/// the same normalized title, year and kind, are one title.
public struct KeyMatchResolver: TitleResolver {
    public init() {}

    public func resolve(_ records: [SourceRecord], identity: IdentityMap) -> ResolvedCatalog {
        let clusters = cluster(records)
        var assigner = IdentityAssigner(previous: identity)
        let identified = assigner.assign(clusters.map { $0.map { records[$0].key } })
        // Merging is independent per cluster.
        let work = Array(zip(clusters, identified))
        var titles = work.parallelMap { cluster, id in TitleMerger.merge(cluster.map { records[$0] }, id: id) }
        titles.sort { $0.id < $1.id }
        return ResolvedCatalog(titles: titles, identity: assigner.identity)
    }

    /// Groups record indices into clusters, each sorted, the list sorted by first member.
    func cluster(_ records: [SourceRecord]) -> [[Int]] {
        var sets = DisjointSets(count: records.count)
        var firstHolder: [String: Int] = [:]
        for (index, record) in records.enumerated() {
            for key in Self.linkKeys(record) {
                if let holder = firstHolder[key] {
                    sets.union(holder, index)
                } else {
                    firstHolder[key] = index
                }
            }
        }
        var groups: [Int: [Int]] = [:]
        for index in records.indices {
            groups[sets.find(index), default: []].append(index)
        }
        return groups.values.map { $0.sorted() }.sorted { $0[0] < $1[0] }
    }

    /// The keys a record links on. Kinds are part of every key so a movie never meets a series.
    static func linkKeys(_ record: SourceRecord) -> [String] {
        let family: String
        switch record.kind {
        case .movie, .short, .video: family = "film"
        case .series: family = "series"
        case .season, .episode: family = record.kind.rawValue
        }
        var keys: [String] = []
        if let ids = record.externalIDs {
            if let imdb = ids.imdb { keys.append("\(family)|imdb:\(imdb)") }
            if let tmdb = ids.tmdbMovie { keys.append("\(family)|tmdb-movie:\(tmdb)") }
            if let tmdb = ids.tmdbTV { keys.append("\(family)|tmdb-tv:\(tmdb)") }
            if let eidr = ids.eidr { keys.append("\(family)|eidr:\(eidr)") }
        }
        // Seasons and episodes share titles across shows ("Pilot"); they match by title only
        // within their parent in the same source.
        if let year = record.year {
            let normalized = TitleNormalizer.key(record.title)
            if !normalized.isEmpty {
                let scope = record.parentID.map { "\(record.source):\($0)|" } ?? ""
                keys.append("\(record.kind.rawValue)|\(scope)\(normalized)|\(year)")
            }
        }
        return keys
    }
}

/// Union-find with path halving and union by size.
struct DisjointSets {
    private var parent: [Int]
    private var size: [Int]

    init(count: Int) {
        parent = Array(0..<count)
        size = Array(repeating: 1, count: count)
    }

    mutating func find(_ element: Int) -> Int {
        var node = element
        while parent[node] != node {
            parent[node] = parent[parent[node]]
            node = parent[node]
        }
        return node
    }

    mutating func union(_ a: Int, _ b: Int) {
        var rootA = find(a)
        var rootB = find(b)
        guard rootA != rootB else { return }
        if size[rootA] < size[rootB] { swap(&rootA, &rootB) }
        parent[rootB] = rootA
        size[rootA] += size[rootB]
    }
}
