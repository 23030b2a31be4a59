import Compression
import Crypto
import MediaModel

/// Gives clusters stable canonical ids.
///
/// - A cluster keeps the id its members already had.
/// - When clusters merge, the oldest id survives (first given in the earliest build; ties: the
///   id held by most members, then the smaller id) and the others become aliases of it.
/// - When a cluster splits, the part holding most of the id's members keeps it; the rest get new ids.
/// - A new cluster's id is derived from its smallest member key, so the same input gives the
///   same ids in a fresh database, and adding a source never renumbers existing titles.
struct IdentityAssigner {
    private(set) var identity: IdentityMap
    private var used: Set<String>
    /// The generation new ids are born in: one after the newest known.
    private let generation: Int

    init(previous: IdentityMap) {
        identity = previous
        used = Set(previous.assignments.values).union(previous.aliases.keys)
        generation = (previous.births.values.max() ?? 0) + 1
    }

    /// Follows the alias chain from `id` to the surviving id.
    func surviving(_ id: String) -> String {
        var current = id
        var hops = 0
        while let next = identity.aliases[current], hops < 64 {
            current = next
            hops += 1
        }
        return current
    }

    /// Returns one id per cluster (clusters given as member keys) and updates the identity map.
    mutating func assign(_ clusters: [[String]]) -> [String] {
        // Which clusters hold each previous id, and with how many members.
        var holders: [String: [(cluster: Int, members: Int)]] = [:]
        var previousIDs: [[String: Int]] = []
        for (index, keys) in clusters.enumerated() {
            var counts: [String: Int] = [:]
            for key in keys {
                if let id = identity.assignments[key] { counts[surviving(id), default: 0] += 1 }
            }
            previousIDs.append(counts)
            for (id, members) in counts { holders[id, default: []].append((index, members)) }
        }
        // Each previous id goes to the cluster holding most of its members.
        var winner: [String: Int] = [:]
        for (id, candidates) in holders {
            let best = candidates.max { lhs, rhs in
                lhs.members != rhs.members ? lhs.members < rhs.members : lhs.cluster > rhs.cluster
            }!
            winner[id] = best.cluster
        }
        var result: [String] = []
        for (index, keys) in clusters.enumerated() {
            let won = previousIDs[index].filter { winner[$0.key] == index }
                .sorted { lhs, rhs in
                    let (a, b) = (identity.births[lhs.key] ?? 0, identity.births[rhs.key] ?? 0)
                    if a != b { return a < b }
                    return lhs.value != rhs.value ? lhs.value > rhs.value : lhs.key < rhs.key
                }
            let id: String
            if let survivor = won.first {
                id = survivor.key
                for retired in won.dropFirst() {
                    identity.aliases[retired.key] = id
                }
            } else {
                id = freshID(for: keys.min()!)
            }
            for key in keys { identity.assignments[key] = id }
            result.append(id)
        }
        // Re-point aliases at their final survivors.
        for alias in identity.aliases.keys {
            identity.aliases[alias] = surviving(alias)
        }
        return result
    }

    private mutating func freshID(for key: String) -> String {
        var salt = 0
        while true {
            let seed = salt == 0 ? key : "\(key)#\(salt)"
            let digest = SHA256.hash(data: Array(seed.utf8))
            let id = "mg" + Hex.encode(digest.prefix(6))
            if !used.contains(id) {
                used.insert(id)
                identity.births[id] = generation
                return id
            }
            salt += 1
        }
    }
}
