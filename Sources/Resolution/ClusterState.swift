import Foundation
import MediaModel

/// Union-find over records with the guards that keep clusters from chaining.
struct ClusterState {
    let features: [RecordFeatures]
    private var sets: DisjointSets
    /// Per root: source → entities of that source in the cluster, with their ids.
    private var entities: [Int: [String: [String: [String: String]]]] = [:]
    /// Per record: records it must never share a title with.
    private var forbidden: [Int: Set<Int>] = [:]
    /// Per root: members (only kept for clusters with forbidden pairs, or when asked).
    private var members: [Int: [Int]] = [:]

    init(features: [RecordFeatures]) {
        self.features = features
        sets = DisjointSets(count: features.count)
    }

    mutating func forbid(_ a: Int, _ b: Int) {
        forbidden[a, default: []].insert(b)
        forbidden[b, default: []].insert(a)
    }

    mutating func find(_ element: Int) -> Int {
        sets.find(element)
    }

    private func entitiesOf(_ root: Int) -> [String: [String: [String: String]]] {
        if let known = entities[root] { return known }
        let feature = features[root]
        return [feature.source: [feature.entity: feature.ids]]
    }

    private func membersOf(_ root: Int) -> [Int] {
        members[root] ?? [root]
    }

    /// Joins the clusters of `a` and `b` unless a guard forbids it; returns whether they joined.
    @discardableResult
    mutating func union(_ a: Int, _ b: Int, byID: Bool) -> Bool {
        let x = find(a)
        let y = find(b)
        guard x != y else { return true }
        let left = entitiesOf(x)
        let right = entitiesOf(y)
        for (source, mine) in left {
            guard let theirs = right[source] else { continue }
            for (entity, ids) in mine {
                for (otherEntity, otherIDs) in theirs where otherEntity != entity {
                    // Different ids of one kind from one source: two titles, always.
                    let conflicting = ids.contains { kind, value in otherIDs[kind].map { $0 != value } ?? false }
                    if conflicting { return false }
                    // A second entity of a source joins only through a shared id.
                    let sharing = ids.contains { kind, value in otherIDs[kind] == value }
                    if !(byID && sharing) { return false }
                }
            }
        }
        if !forbidden.isEmpty {
            let leftMembers = membersOf(x)
            let rightMembers = Set(membersOf(y))
            for member in leftMembers where !(forbidden[member] ?? []).isDisjoint(with: rightMembers) {
                return false
            }
        }
        join(x, y, left, right)
        return true
    }

    /// Joins whatever the guards say (a forced merge).
    mutating func force(_ a: Int, _ b: Int) {
        let x = find(a)
        let y = find(b)
        guard x != y else { return }
        join(x, y, entitiesOf(x), entitiesOf(y))
    }

    private mutating func join(
        _ x: Int,
        _ y: Int,
        _ left: [String: [String: [String: String]]],
        _ right: [String: [String: [String: String]]]
    ) {
        sets.union(x, y)
        let root = sets.find(x)
        let child = root == x ? y : x
        var merged = left
        for (source, values) in right {
            merged[source, default: [:]].merge(values) { mine, _ in mine }
        }
        entities[root] = merged
        entities[child] = nil
        if !forbidden.isEmpty {
            members[root] = membersOf(x) + membersOf(y)
            members[child] = nil
        }
    }
}
