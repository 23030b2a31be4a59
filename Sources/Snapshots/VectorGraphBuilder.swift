import Foundation
import MediaModel

/// Builds the HNSW graph of ``VectorGraph`` by inserting vectors one at a time (deterministic:
/// node levels come from a seeded generator, insertion is in document order).
final class VectorGraphBuilder {
    let vectors: QuantizedVectors
    let neighborsPerNode: Int
    let efConstruction: Int
    private(set) var levels: [UInt8]
    private var layer0: [UInt32]
    private var upperStart: [UInt32]
    private var upper: [UInt32]
    private(set) var entryPoint = 0
    private(set) var topLevel = 0

    init(vectors: QuantizedVectors, neighborsPerNode: Int = 16, efConstruction: Int = 100, seed: UInt64 = 42) {
        self.vectors = vectors
        self.neighborsPerNode = neighborsPerNode
        self.efConstruction = efConstruction
        // Level of each node: ⌊−ln(U)·mL⌋ with mL = 1/ln(M), as in the paper.
        var state = seed
        let scale = 1 / log(Double(neighborsPerNode))
        levels = (0..<vectors.count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let uniform = (Double(state >> 11) + 1) / Double(1 << 53)
            return UInt8(min(15, Int(-log(uniform) * scale)))
        }
        layer0 = Array(repeating: 0, count: vectors.count * (1 + 2 * neighborsPerNode))
        var start: UInt32 = 0
        upperStart = levels.map { level in
            defer { start += UInt32(Int(level) * (1 + neighborsPerNode)) }
            return start
        }
        upper = Array(repeating: 0, count: Int(start))
    }

    /// Inserts every vector; afterwards ``encode()`` gives the section bytes. `progress` hears
    /// of every 1,024 insertions.
    func build(progress: ProgressHandler? = nil) {
        var visited = VisitedSet(count: vectors.count)
        for node in 0..<vectors.count {
            insert(node, visited: &visited)
            if let progress, node % 1024 == 1023 || node == vectors.count - 1 {
                progress(StepProgress(step: "graph", done: node + 1, total: vectors.count, unit: "vectors"))
            }
        }
    }

    private func slot(_ node: Int, _ level: Int) -> (start: Int, capacity: Int) {
        level == 0
            ? (node * (1 + 2 * neighborsPerNode), 2 * neighborsPerNode)
            : (Int(upperStart[node]) + (level - 1) * (1 + neighborsPerNode), neighborsPerNode)
    }

    private func neighbors(_ node: Int, _ level: Int) -> [UInt32] {
        let (start, _) = slot(node, level)
        return level == 0
            ? Array(layer0[(start + 1)..<(start + 1 + Int(layer0[start]))])
            : Array(upper[(start + 1)..<(start + 1 + Int(upper[start]))])
    }

    private func setNeighbors(_ node: Int, _ level: Int, _ list: [Int]) {
        let (start, capacity) = slot(node, level)
        precondition(list.count <= capacity)
        if level == 0 {
            layer0[start] = UInt32(list.count)
            for (offset, neighbor) in list.enumerated() { layer0[start + 1 + offset] = UInt32(neighbor) }
        } else {
            upper[start] = UInt32(list.count)
            for (offset, neighbor) in list.enumerated() { upper[start + 1 + offset] = UInt32(neighbor) }
        }
    }

    private func insert(_ node: Int, visited: inout VisitedSet) {
        let level = Int(levels[node])
        if node == 0 {
            entryPoint = 0
            topLevel = level
            return
        }
        let vectors = self.vectors
        let similarity = { (other: Int) in vectors.similarity(node, other) }
        var entry = entryPoint
        var best = similarity(entry)
        if topLevel > level {
            for layer in stride(from: topLevel, to: level, by: -1) {
                var improved = true
                while improved {
                    improved = false
                    for neighbor in neighbors(entry, layer) {
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
        var entries = [(node: entry, similarity: best)]
        for layer in stride(from: min(level, topLevel), through: 0, by: -1) {
            let found = searchLayer(entries, layer: layer, visited: &visited, similarity: similarity)
            let selected = selectNeighbors(found, count: neighborsPerNode)
            setNeighbors(node, layer, selected.map(\.node))
            let capacity = slot(node, layer).capacity
            for neighbor in selected {
                var list = neighbors(neighbor.node, layer).map(Int.init)
                if list.count < capacity {
                    list.append(node)
                    setNeighbors(neighbor.node, layer, list)
                } else {
                    // Over capacity: keep the most useful links by the same heuristic.
                    let candidates = (list + [node]).map { ($0, vectors.similarity(neighbor.node, $0)) }
                        .sorted { $0.1 > $1.1 }
                        .map { (node: $0.0, similarity: $0.1) }
                    setNeighbors(neighbor.node, layer, selectNeighbors(candidates, count: capacity).map(\.node))
                }
            }
            entries = found
        }
        if level > topLevel {
            topLevel = level
            entryPoint = node
        }
    }

    private func searchLayer(
        _ entries: [(node: Int, similarity: Float)],
        layer: Int,
        visited: inout VisitedSet,
        similarity: (Int) -> Float
    ) -> [(node: Int, similarity: Float)] {
        let slotLength = layer == 0 ? 1 + 2 * neighborsPerNode : 1 + neighborsPerNode
        let starts = upperStart
        let perNode = 1 + neighborsPerNode
        func run(_ storage: UnsafeBufferPointer<UInt32>) -> [(node: Int, similarity: Float)] {
            VectorGraph.searchLayer(
                from: entries,
                ef: efConstruction,
                visited: &visited,
                neighbors: { node in
                    let start = layer == 0 ? node * slotLength : Int(starts[node]) + (layer - 1) * perNode
                    return UnsafeBufferPointer(rebasing: storage[(start + 1)..<(start + 1 + Int(storage[start]))])
                },
                similarity: similarity
            )
        }
        return layer == 0 ? layer0.withUnsafeBufferPointer(run) : upper.withUnsafeBufferPointer(run)
    }

    /// The neighbour-selection heuristic of the HNSW paper (algorithm 4, keeping pruned
    /// connections): a candidate is taken when it is closer to the node than to every neighbour
    /// already taken, which spreads links in all directions; the rest fill up what is left.
    private func selectNeighbors(
        _ candidates: [(node: Int, similarity: Float)],
        count: Int
    ) -> [(node: Int, similarity: Float)] {
        guard candidates.count > count else { return candidates }
        var selected: [(node: Int, similarity: Float)] = []
        var pruned: [(node: Int, similarity: Float)] = []
        for candidate in candidates {
            if selected.count >= count { break }
            let diverse = selected.allSatisfy { vectors.similarity(candidate.node, $0.node) < candidate.similarity }
            if diverse { selected.append(candidate) } else { pruned.append(candidate) }
        }
        for candidate in pruned where selected.count < count { selected.append(candidate) }
        return selected
    }

    /// The `vec.graph` section: M, entry point, top level, node count, levels (padded to 4),
    /// layer-0 slots, upper starts, upper slot count, upper slots; all little-endian.
    func encode() -> [UInt8] {
        var out = ByteWriter()
        out.u32(UInt32(neighborsPerNode))
        out.u32(UInt32(entryPoint))
        out.u32(UInt32(topLevel))
        out.u32(UInt32(vectors.count))
        out.append(levels)
        out.align(4)
        for value in layer0 { out.u32(value) }
        for value in upperStart { out.u32(value) }
        out.u32(UInt32(upper.count))
        for value in upper { out.u32(value) }
        return out.bytes
    }
}
