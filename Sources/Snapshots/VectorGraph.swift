/// A hierarchical navigable small-world graph (HNSW, Malkov & Yashunin 2018) over the stored
/// vectors, in the fixed-slot layout of the `vec.graph` section (`docs/formats/snapshot.md`).
///
/// Layer 0 holds every node with up to `2·M` neighbours; node `i`'s slot is `1 + 2M` u32s
/// (count, then ids). Nodes on higher levels have one slot of `1 + M` u32s per level in the
/// upper array, starting at `upperStart[i]`.
public struct VectorGraph: @unchecked Sendable {
    public let neighborsPerNode: Int
    public let entryPoint: Int
    public let topLevel: Int
    let levels: UnsafeBufferPointer<UInt8>
    let layer0: UnsafeBufferPointer<UInt32>
    let upperStart: UnsafeBufferPointer<UInt32>
    let upper: UnsafeBufferPointer<UInt32>

    var layer0Slot: Int { 1 + 2 * neighborsPerNode }
    var upperSlot: Int { 1 + neighborsPerNode }

    /// Whether every slot's count fits its capacity, every neighbour is a node, and every node's
    /// upper slots lie inside the upper array.
    public var isWellFormed: Bool {
        let count = levels.count
        guard entryPoint < count, Int(levels[entryPoint]) == topLevel else { return false }
        func slotIsValid(_ slots: UnsafeBufferPointer<UInt32>, _ start: Int, _ capacity: Int) -> Bool {
            guard start + 1 + capacity <= slots.count, Int(slots[start]) <= capacity else { return false }
            return slots[(start + 1)..<(start + 1 + Int(slots[start]))].allSatisfy { Int($0) < count }
        }
        for node in 0..<count {
            guard Int(levels[node]) <= topLevel, slotIsValid(layer0, node * layer0Slot, 2 * neighborsPerNode)
            else { return false }
            for level in stride(from: 1, through: Int(levels[node]), by: 1) {
                let start = Int(upperStart[node]) + (level - 1) * upperSlot
                guard slotIsValid(upper, start, neighborsPerNode) else { return false }
            }
        }
        return true
    }

    /// Neighbours of `node` on `level`.
    @inline(__always)
    func neighbors(of node: Int, level: Int) -> UnsafeBufferPointer<UInt32> {
        if level == 0 {
            let start = node * layer0Slot
            return UnsafeBufferPointer(rebasing: layer0[(start + 1)..<(start + 1 + Int(layer0[start]))])
        }
        let start = Int(upperStart[node]) + (level - 1) * upperSlot
        return UnsafeBufferPointer(rebasing: upper[(start + 1)..<(start + 1 + Int(upper[start]))])
    }

    /// The `ef` nodes nearest to the query found by the standard HNSW descent: greedy on the
    /// upper levels, a beam of width `ef` on layer 0. Sorted by similarity, best first.
    public func search(
        ef: Int,
        visited: inout VisitedSet,
        similarity: (Int) -> Float
    ) -> [(node: Int, similarity: Float)] {
        guard levels.count > 0 else { return [] }
        var entry = entryPoint
        var best = similarity(entry)
        if topLevel > 0 {
            for level in stride(from: topLevel, through: 1, by: -1) {
                var improved = true
                while improved {
                    improved = false
                    for neighbor in neighbors(of: entry, level: level) {
                        let score = similarity(Int(neighbor))
                        if score > best {
                            best = score
                            entry = Int(neighbor)
                            improved = true
                        }
                    }
                }
            }
        }
        return Self.searchLayer(
            from: [(entry, best)],
            ef: ef,
            visited: &visited,
            neighbors: { neighbors(of: $0, level: 0) },
            similarity: similarity
        )
    }

    /// Beam search on one layer from `entries`: the core step of both building and querying.
    static func searchLayer(
        from entries: [(node: Int, similarity: Float)],
        ef: Int,
        visited: inout VisitedSet,
        neighbors: (Int) -> UnsafeBufferPointer<UInt32>,
        similarity: (Int) -> Float
    ) -> [(node: Int, similarity: Float)] {
        visited.reset()
        var candidates = ScoredHeap(bestFirst: true)
        var results = ScoredHeap(bestFirst: false)
        for entry in entries where visited.insert(entry.node) {
            candidates.push(entry.node, entry.similarity)
            results.push(entry.node, entry.similarity)
        }
        while let candidate = candidates.pop() {
            if results.count >= ef, let worst = results.top, candidate.similarity < worst.similarity { break }
            for neighbor in neighbors(candidate.node) {
                let node = Int(neighbor)
                guard visited.insert(node) else { continue }
                let score = similarity(node)
                if results.count < ef || score > results.top!.similarity {
                    candidates.push(node, score)
                    results.push(node, score)
                    if results.count > ef { _ = results.pop() }
                }
            }
        }
        return results.drainSortedBestFirst()
    }
}

/// Nodes seen during one search, cleared in O(1) by bumping a generation number.
public struct VisitedSet: Sendable {
    private var marks: [UInt32]
    private var generation: UInt32 = 0

    public init(count: Int) { marks = Array(repeating: 0, count: count) }

    mutating func reset() {
        generation &+= 1
        if generation == 0 {
            for index in marks.indices { marks[index] = 0 }
            generation = 1
        }
    }

    /// Marks `node`; false when it was already marked in this generation.
    @inline(__always)
    mutating func insert(_ node: Int) -> Bool {
        if marks[node] == generation { return false }
        marks[node] = generation
        return true
    }
}

/// A binary heap of (node, similarity), either best-first or worst-first.
public struct ScoredHeap {
    private var nodes: [Int] = []
    private var scores: [Float] = []
    private let bestFirst: Bool

    public init(bestFirst: Bool) { self.bestFirst = bestFirst }

    public var count: Int { nodes.count }
    public var top: (node: Int, similarity: Float)? { nodes.isEmpty ? nil : (nodes[0], scores[0]) }

    @inline(__always)
    private func precedes(_ a: Int, _ b: Int) -> Bool {
        bestFirst ? scores[a] > scores[b] : scores[a] < scores[b]
    }

    public mutating func push(_ node: Int, _ score: Float) {
        nodes.append(node)
        scores.append(score)
        var child = nodes.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(child, parent) else { break }
            nodes.swapAt(child, parent)
            scores.swapAt(child, parent)
            child = parent
        }
    }

    public mutating func pop() -> (node: Int, similarity: Float)? {
        guard let first = top else { return nil }
        let last = nodes.count - 1
        nodes.swapAt(0, last)
        scores.swapAt(0, last)
        nodes.removeLast()
        scores.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var chosen = parent
            if left < nodes.count && precedes(left, chosen) { chosen = left }
            if right < nodes.count && precedes(right, chosen) { chosen = right }
            if chosen == parent { break }
            nodes.swapAt(parent, chosen)
            scores.swapAt(parent, chosen)
            parent = chosen
        }
        return first
    }

    /// Empties the heap, returning its contents best first.
    public mutating func drainSortedBestFirst() -> [(node: Int, similarity: Float)] {
        var out: [(node: Int, similarity: Float)] = []
        out.reserveCapacity(nodes.count)
        while let next = pop() { out.append(next) }
        return bestFirst ? out : out.reversed()
    }
}
