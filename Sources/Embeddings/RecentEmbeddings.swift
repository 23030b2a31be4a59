import Synchronization

/// Remembers the vectors of the texts it embedded last, for queries: the next page of a
/// search, a facet clicked, the search page's preload and its own request, an assistant asking
/// again — each asks for the same text, and the model costs milliseconds of CPU every time.
///
/// Up to `capacity` texts are kept; when full, the text used least recently goes. A batch
/// embeds only its texts not remembered, in one call to the model, in their order.
public final class RecentEmbeddings: Embedder, Sendable {
    public let base: any Embedder
    public let capacity: Int
    public var modelID: String { base.modelID }
    public var dimension: Int { base.dimension }

    private struct Entry {
        var vector: [Float]
        var used: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    private let state = Mutex(State())

    public init(_ base: any Embedder, capacity: Int = 2048) {
        self.base = base
        self.capacity = max(1, capacity)
    }

    /// How many texts were answered from memory and how many went to the model.
    public var counts: (hits: Int, misses: Int) { state.withLock { ($0.hits, $0.misses) } }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        var vectors: [[Float]?] = state.withLock { state in
            texts.map { text in
                state.clock += 1
                guard var entry = state.entries[text] else { return nil }
                entry.used = state.clock
                state.entries[text] = entry
                return entry.vector
            }
        }
        var missing: [String] = []
        for (text, vector) in zip(texts, vectors) where vector == nil && !missing.contains(text) {
            missing.append(text)
        }
        let computed = missing.isEmpty ? [] : try await base.embed(missing)
        let fresh = Dictionary(uniqueKeysWithValues: zip(missing, computed))
        for index in vectors.indices where vectors[index] == nil { vectors[index] = fresh[texts[index]] }
        state.withLock { state in
            state.hits += texts.count - missing.count
            state.misses += missing.count
            for (text, vector) in fresh {
                state.clock += 1
                state.entries[text] = Entry(vector: vector, used: state.clock)
            }
            if state.entries.count > capacity {
                // Evict down to three quarters at once, so a full cache sorts rarely.
                let keep = capacity * 3 / 4
                let oldest = state.entries.sorted { $0.value.used < $1.value.used }.prefix(state.entries.count - keep)
                for (text, _) in oldest { state.entries[text] = nil }
            }
        }
        return vectors.map { $0! }
    }
}
