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
/// and the vectors only, never on the number of threads (decision 0023) — and, when it starts from
/// a previous snapshot's graph (``GraphReuse``, decision 0026), on that graph.
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
    /// The previous snapshot's graph the build starts from, if any (``GraphReuse``).
    let reuse: GraphReuse?
    /// What the build took over from ``reuse``: nodes kept with their links, and lists repaired
    /// because a neighbour was gone.
    private(set) var reused = (nodes: 0, repairedLists: 0)

    init(
        vectors: QuantizedVectors,
        neighborsPerNode: Int = 16,
        efConstruction: Int = 100,
        seed: UInt64 = 42,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        maximumBatch: Int = 256,
        reusing reuse: GraphReuse? = nil
    ) {
        self.vectors = vectors
        self.neighborsPerNode = neighborsPerNode
        self.efConstruction = efConstruction
        self.threads = max(1, threads)
        self.maximumBatch = max(1, maximumBatch)
        self.reuse = reuse
        // Level of each node: ⌊−ln(U)·mL⌋ with mL = 1/ln(M), as in the paper; a node taken over
        // from the previous graph keeps its level, and with it its upper lists.
        var state = seed
        let scale = 1 / log(Double(neighborsPerNode))
        let levels = (0..<vectors.count).map { node in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            if let reuse, reuse.oldNode[node] >= 0 { return reuse.graph.levels[Int(reuse.oldNode[node])] }
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
        var visited = (0..<threads).map { _ in VisitedSet(count: vectors.count) }
        var pending: [Int]
        var inGraph: Int
        if let reuse, let rest = takeOver(reuse) {
            pending = rest
            inGraph = vectors.count - pending.count
        } else {
            entryPoint = 0
            topLevel = Int(levels[0])
            pending = Array(1..<vectors.count)
            inGraph = 1
        }
        var next = 0
        var reported = 0
        while next < pending.count {
            let batch = pending[next..<min(pending.count, next + batchSize(after: inGraph))]
            insert(batch, visited: &visited)
            next = batch.endIndex
            inGraph += batch.count
            if let progress, next - reported >= 1024 || next == pending.count {
                reported = next
                progress(StepProgress(step: "graph", done: inGraph, total: vectors.count, unit: "vectors"))
            }
        }
    }

    /// Starts from the previous graph (decision 0026): each node whose title and vector are
    /// unchanged keeps its level and its links to other kept nodes; a list that lost neighbours
    /// fills their slots from nearby kept nodes; the entry point stays if it was kept, or is the
    /// kept node highest up. Returns the nodes still to insert (new or changed vectors, and kept
    /// nodes left without a neighbour), or nil when no node was kept (a fresh build then).
    private func takeOver(_ reuse: GraphReuse) -> [Int]? {
        let old = reuse.graph
        var newOfOld = [Int32](repeating: -1, count: old.levels.count)
        var kept: [Int] = []
        for node in 0..<vectors.count where reuse.oldNode[node] >= 0 {
            newOfOld[Int(reuse.oldNode[node])] = Int32(node)
            kept.append(node)
        }
        guard !kept.isEmpty else { return nil }
        // 1. Every kept list, its neighbours renumbered and the ones gone left out.
        var damaged: [(node: Int, level: Int)] = []
        for node in kept {
            let oldNode = Int(reuse.oldNode[node])
            for level in 0...Int(levels[node]) {
                let oldList = old.neighbors(of: oldNode, level: level)
                let list = oldList.compactMap { newOfOld[Int($0)] >= 0 ? Int(newOfOld[Int($0)]) : nil }
                setNeighbors(node, level, list)
                if list.count < oldList.count { damaged.append((node, level)) }
            }
        }
        // 2. Repairs, chosen in parallel from the lists as step 1 left them, then written in
        //    order: a list keeps what it kept, and each slot of a neighbour gone goes to the most
        //    similar of that neighbour's own kept neighbours (which lay near it, so near this
        //    node) and of the kept neighbours' neighbours. Choosing the whole list again by the
        //    heuristic instead lost recall: it dropped the reverse links that make nodes findable.
        let repaired = Slots<[Int]>(count: damaged.count, empty: [])
        parallel(damaged.count) { _, index in
            let (node, level) = damaged[index]
            let list = neighbors(node, level).map(Int.init)
            var seen = Set(list + [node])
            var candidates: [(node: Int, similarity: Float)] = []
            func consider(_ candidate: Int) {
                if seen.insert(candidate).inserted {
                    candidates.append((candidate, vectors.similarity(node, candidate)))
                }
            }
            let oldList = old.neighbors(of: Int(reuse.oldNode[node]), level: level)
            for gone in oldList where newOfOld[Int(gone)] < 0 {
                for next in old.neighbors(of: Int(gone), level: level) where newOfOld[Int(next)] >= 0 {
                    consider(Int(newOfOld[Int(next)]))
                }
            }
            for neighbor in list { for next in neighbors(neighbor, level) { consider(Int(next)) } }
            candidates.sort { $0.similarity > $1.similarity || ($0.similarity == $1.similarity && $0.node < $1.node) }
            repaired[index] = list + candidates.prefix(oldList.count - list.count).map(\.node)
        }
        for (index, damage) in damaged.enumerated() { setNeighbors(damage.node, damage.level, repaired[index]) }
        reused = (kept.count, damaged.count)
        // 3. The entry point, and the nodes still to insert: new and changed vectors, and kept
        //    nodes left without a neighbour on a layer others share, which are searched for and
        //    linked again like new ones.
        let oldEntry = Int(newOfOld[old.entryPoint])
        entryPoint =
            oldEntry >= 0
            ? oldEntry : kept.max { levels[$0] < levels[$1] || (levels[$0] == levels[$1] && $0 > $1) }!
        topLevel = Int(levels[entryPoint])
        var population = [Int](repeating: 0, count: topLevel + 1)
        for node in kept { for level in 0...Int(levels[node]) { population[level] += 1 } }
        var pending: [Int] = []
        for node in 0..<vectors.count {
            if reuse.oldNode[node] < 0 {
                pending.append(node)
            } else if node != entryPoint,
                (0...Int(levels[node])).contains(where: { population[$0] > 1 && neighbors(node, $0).isEmpty })
            {
                for level in 0...Int(levels[node]) { setNeighbors(node, level, []) }
                pending.append(node)
            }
        }
        return pending
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

    private func insert(_ batch: ArraySlice<Int>, visited: inout [VisitedSet]) {
        // 1. Each node's neighbours on each of its layers, from the graph before the batch.
        let chosen = Slots<[[Int]]>(count: batch.count, empty: [])
        visited.withUnsafeMutableBufferPointer { visited in
            parallel(batch.count) { worker, offset in
                chosen[offset] = neighbours(
                    of: batch[batch.startIndex + offset],
                    peers: batch,
                    visited: &visited[worker]
                )
            }
        }
        // 2. The nodes' own lists, and the reverse links grouped by the node that gets them
        //    (stable: in document order within a group).
        var reverse: [(target: Int, level: Int, source: Int)] = []
        for offset in 0..<batch.count {
            let node = batch[batch.startIndex + offset]
            for (level, list) in chosen[offset].enumerated() {
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
    private func neighbours(of node: Int, peers: ArraySlice<Int>, visited: inout VisitedSet) -> [[Int]] {
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

/// A previous snapshot's graph for a build to start from (``VectorGraphBuilder``), with which of
/// its nodes each new node is: the same title with the same stored vector.
struct GraphReuse {
    let graph: VectorGraph
    /// Per new node, its node in `graph`, or -1 for a title that is new or whose vector changed.
    let oldNode: [Int32]
    /// Holds the file `graph` points into.
    let snapshot: Snapshot

    /// The nodes of `snapshot`'s graph that are the same as new documents: the same title id
    /// (`newIDs`, in document order) and the same int8 vector; nil when `snapshot` has no graph
    /// or one of other dimensions or links.
    init?(
        _ snapshot: Snapshot,
        newIDs: [String],
        newVectors: QuantizedVectors,
        neighborsPerNode: Int
    ) {
        guard let graph = snapshot.vectorGraph, graph.neighborsPerNode == neighborsPerNode,
            let vectors = snapshot.vectors, vectors.dimension == newVectors.dimension, graph.isWellFormed
        else { return nil }
        var oldNode = [Int32](repeating: -1, count: newIDs.count)
        // Both sides are in id order: one merge walk.
        var old = 0
        let oldCount = snapshot.documentCount
        let dimension = vectors.dimension
        for (node, id) in newIDs.enumerated() {
            while old < oldCount, snapshot.id(ofDocument: UInt32(old)) < id { old += 1 }
            guard old < oldCount, snapshot.id(ofDocument: UInt32(old)) == id else { continue }
            let same =
                vectors.scales[old] == newVectors.scales[node]
                && memcmp(
                    vectors.codes.baseAddress! + old * dimension,
                    newVectors.codes.baseAddress! + node * dimension,
                    dimension
                ) == 0
            if same { oldNode[node] = Int32(old) }
        }
        self.graph = graph
        self.oldNode = oldNode
        self.snapshot = snapshot
    }

    /// How many new nodes are old ones.
    var keptCount: Int { oldNode.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
}

/// Results computed on several threads, one slot per index, each written by exactly one thread
/// (raw memory, so that no thread's write goes through an array another is writing).
private final class Slots<Element>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Element>

    init(count: Int, empty: Element) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: empty)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    subscript(index: Int) -> Element {
        get { slots[index] }
        set { slots[index] = newValue }
    }
}
