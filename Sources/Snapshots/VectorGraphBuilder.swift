import Foundation
import MediaModel

/// Builds the HNSW graph of ``VectorGraph``, inserting vectors in document order in batches
/// whose searches run on several threads.
///
/// A batch's nodes search the graph as it was before the batch, on all threads, and take the
/// batch's other nodes as candidates too, since they cannot find each other in it. Their links
/// are then made in document order: each node's own lists, and the reverse links, grouped by
/// the node they are added to, on all threads. Batches grow with the graph, from one node (the
/// first insertions are the plain sequential algorithm) to 256. The graph depends on the seed
/// and the vectors only, never on the number of threads (decision 0023).
final class VectorGraphBuilder: @unchecked Sendable {
    let vectors: QuantizedVectors
    let neighborsPerNode: Int
    let efConstruction: Int
    let threads: Int
    private(set) var levels: [UInt8]
    /// Neighbour slots (a count, then the neighbours): `2·M` on layer 0, `M` above. Threads
    /// write only slots no other thread reads or writes at the same time, hence raw memory.
    private let layer0: UnsafeMutableBufferPointer<UInt32>
    private let upperStart: [UInt32]
    private let upper: UnsafeMutableBufferPointer<UInt32>
    private(set) var entryPoint = 0
    private(set) var topLevel = 0
    /// The largest batch (256 unless a test asks for less; 1 is the sequential algorithm); the
    /// first batches are smaller (``batchSize(after:)``).
    let maximumBatch: Int

    init(
        vectors: QuantizedVectors,
        neighborsPerNode: Int = 16,
        efConstruction: Int = 100,
        seed: UInt64 = 42,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        maximumBatch: Int = 256
    ) {
        self.vectors = vectors
        self.neighborsPerNode = neighborsPerNode
        self.efConstruction = efConstruction
        self.threads = max(1, threads)
        self.maximumBatch = max(1, maximumBatch)
        // Level of each node: ⌊−ln(U)·mL⌋ with mL = 1/ln(M), as in the paper.
        var state = seed
        let scale = 1 / log(Double(neighborsPerNode))
        let levels = (0..<vectors.count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let uniform = (Double(state >> 11) + 1) / Double(1 << 53)
            return UInt8(min(15, Int(-log(uniform) * scale)))
        }
        self.levels = levels
        layer0 = .allocate(capacity: vectors.count * (1 + 2 * neighborsPerNode))
        layer0.initialize(repeating: 0)
        var start: UInt32 = 0
        upperStart = levels.map { level in
            defer { start += UInt32(Int(level) * (1 + neighborsPerNode)) }
            return start
        }
        upper = .allocate(capacity: max(1, Int(start)))
        upper.initialize(repeating: 0)
    }

    deinit {
        layer0.deallocate()
        upper.deallocate()
    }

    /// Nodes inserted together once `inserted` are in the graph: one at a time while it is
    /// small, then a sixteenth of it, at most ``maximumBatch``.
    func batchSize(after inserted: Int) -> Int { min(maximumBatch, max(1, inserted / 16)) }

    /// Inserts every vector; afterwards ``encode()`` gives the section bytes. `progress` hears
    /// of every 1,024 insertions or so.
    func build(progress: ProgressHandler? = nil) {
        guard vectors.count > 0 else { return }
        entryPoint = 0
        topLevel = Int(levels[0])
        var visited = (0..<threads).map { _ in VisitedSet(count: vectors.count) }
        var next = 1
        var reported = 0
        while next < vectors.count {
            let batch = next..<min(vectors.count, next + batchSize(after: next))
            insert(batch, visited: &visited)
            next = batch.upperBound
            if let progress, next - reported >= 1024 || next == vectors.count {
                reported = next
                progress(StepProgress(step: "graph", done: next, total: vectors.count, unit: "vectors"))
            }
        }
    }

    private func slot(_ node: Int, _ level: Int) -> (
        storage: UnsafeMutableBufferPointer<UInt32>, start: Int, capacity: Int
    ) {
        level == 0
            ? (layer0, node * (1 + 2 * neighborsPerNode), 2 * neighborsPerNode)
            : (upper, Int(upperStart[node]) + (level - 1) * (1 + neighborsPerNode), neighborsPerNode)
    }

    /// `node`'s neighbours on `level` (at most its level).
    func neighbors(_ node: Int, _ level: Int) -> UnsafeBufferPointer<UInt32> {
        let (storage, start, _) = slot(node, level)
        return UnsafeBufferPointer(rebasing: storage[(start + 1)..<(start + 1 + Int(storage[start]))])
    }

    private func setNeighbors(_ node: Int, _ level: Int, _ list: [Int]) {
        let (storage, start, capacity) = slot(node, level)
        precondition(list.count <= capacity)
        storage[start] = UInt32(list.count)
        for (offset, neighbor) in list.enumerated() { storage[start + 1 + offset] = UInt32(neighbor) }
    }

    /// Runs `body(worker, index)` for every index of `count`, the indices dealt out round-robin
    /// to the workers.
    private func parallel(_ count: Int, _ body: (Int, Int) -> Void) {
        let workers = min(threads, count)
        guard workers > 1 else {
            for index in 0..<count { body(0, index) }
            return
        }
        // The workers share `body`: what it writes, each index writes alone (see the callers).
        struct Shared: @unchecked Sendable { let body: (Int, Int) -> Void }
        withoutActuallyEscaping(body) { body in
            let shared = Shared(body: body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for index in stride(from: worker, to: count, by: workers) { shared.body(worker, index) }
            }
        }
    }

    private func insert(_ batch: Range<Int>, visited: inout [VisitedSet]) {
        // 1. Each node's neighbours on each of its layers, from the graph before the batch.
        let chosen = ChosenNeighbors(count: batch.count)
        visited.withUnsafeMutableBufferPointer { visited in
            parallel(batch.count) { worker, offset in
                chosen.store(offset, neighbours(of: batch.lowerBound + offset, peers: batch, visited: &visited[worker]))
            }
        }
        // 2. The nodes' own lists, and the reverse links grouped by the node that gets them
        //    (stable: in document order within a group).
        var reverse: [(target: Int, level: Int, source: Int)] = []
        for offset in 0..<batch.count {
            let node = batch.lowerBound + offset
            for (level, list) in chosen.lists(offset).enumerated() {
                setNeighbors(node, level, list)
                for neighbor in list { reverse.append((neighbor, level, node)) }
            }
        }
        reverse.sort { ($0.target, $0.level, $0.source) < ($1.target, $1.level, $1.source) }
        var groups: [Range<Int>] = []
        var start = 0
        for index in 1..<(reverse.count + 1)
        where index == reverse.count || reverse[index].target != reverse[start].target
            || reverse[index].level != reverse[start].level
        {
            groups.append(start..<index)
            start = index
        }
        // 3. Reverse links, each group's node on one thread: no two threads touch one list.
        parallel(groups.count) { _, group in
            let first = reverse[groups[group].lowerBound]
            link(first.target, level: first.level, to: groups[group].map { reverse[$0].source })
        }
        // 4. A node above the top level becomes the entry point.
        for node in batch where Int(levels[node]) > topLevel {
            topLevel = Int(levels[node])
            entryPoint = node
        }
    }

    /// The neighbours `node` takes on each layer from 0 to its level: found by searching the
    /// graph as it was before `peers` (the batch), and among the peers themselves.
    private func neighbours(of node: Int, peers: Range<Int>, visited: inout VisitedSet) -> [[Int]] {
        let level = Int(levels[node])
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
        var lists = Array(repeating: [Int](), count: level + 1)
        var entries = [(node: entry, similarity: best)]
        for layer in stride(from: level, through: 0, by: -1) {
            var candidates: [(node: Int, similarity: Float)] = []
            if layer <= topLevel {
                candidates = searchLayer(entries, layer: layer, visited: &visited, similarity: similarity)
                entries = candidates
            }
            for peer in peers where peer != node && Int(levels[peer]) >= layer {
                candidates.append((peer, similarity(peer)))
            }
            // Ties broken by node, so the order never depends on which thread found what; the
            // best efConstruction, as the search alone would give, bound the heuristic's work.
            candidates.sort { $0.similarity > $1.similarity || ($0.similarity == $1.similarity && $0.node < $1.node) }
            lists[layer] = selectNeighbors(Array(candidates.prefix(efConstruction)), count: neighborsPerNode).map(
                \.node
            )
        }
        return lists
    }

    /// Adds `sources` (in order) to `target`'s list on `level`; over capacity, the most useful
    /// links are kept by the same heuristic.
    private func link(_ target: Int, level: Int, to sources: [Int]) {
        let capacity = slot(target, level).capacity
        var list = neighbors(target, level).map(Int.init)
        for source in sources where !list.contains(source) {
            if list.count < capacity {
                list.append(source)
            } else {
                let candidates = (list + [source]).map { (node: $0, similarity: vectors.similarity(target, $0)) }
                    .sorted { $0.similarity > $1.similarity || ($0.similarity == $1.similarity && $0.node < $1.node) }
                list = selectNeighbors(candidates, count: capacity).map(\.node)
            }
        }
        setNeighbors(target, level, list)
    }

    private func searchLayer(
        _ entries: [(node: Int, similarity: Float)],
        layer: Int,
        visited: inout VisitedSet,
        similarity: (Int) -> Float
    ) -> [(node: Int, similarity: Float)] {
        VectorGraph.searchLayer(
            from: entries,
            ef: efConstruction,
            visited: &visited,
            neighbors: { neighbors($0, layer) },
            similarity: similarity
        )
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
        let upperCount = Int(upperStart.last ?? 0) + Int(levels.last ?? 0) * (1 + neighborsPerNode)
        out.u32(UInt32(upperCount))
        for value in upper.prefix(upperCount) { out.u32(value) }
        return out.bytes
    }
}

/// The neighbour lists chosen for a batch's nodes, each slot written by exactly one thread
/// (raw memory, so that no thread's write goes through the array another is writing).
private final class ChosenNeighbors: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<[[Int]]>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: [])
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func store(_ offset: Int, _ lists: [[Int]]) { slots[offset] = lists }

    func lists(_ offset: Int) -> [[Int]] { slots[offset] }
}
