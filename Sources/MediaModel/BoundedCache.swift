import Synchronization

/// Values kept by key up to a total cost in bytes, shared by concurrent readers.
///
/// Past the budget the oldest entry goes first, unless it was read since it was added or last
/// spared: then it is spared once and goes to the back (the "second chance" of a clock), so what
/// is asked for again and again stays while what was read once makes way. Snapshots keep
/// decompressed title blocks in one, search the frequency arrays of common words, and the daemon
/// whole responses.
public final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var cost: Int
        var isReferenced = false
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Keys oldest first from `first`; the ones before it were dropped and are cleared now and then.
        var order: [Key] = []
        var first = 0
        var cost = 0
        var hits = 0
        var misses = 0
    }

    /// The most the values may cost together.
    public let budget: Int
    private let state = Mutex(State())

    public init(budget: Int) {
        self.budget = max(0, budget)
    }

    /// The value kept for `key`, counted as a hit or a miss.
    public func value(for key: Key) -> Value? {
        state.withLock { state in
            guard let entry = state.entries[key] else {
                state.misses += 1
                return nil
            }
            state.hits += 1
            if !entry.isReferenced { state.entries[key]!.isReferenced = true }
            return entry.value
        }
    }

    /// Keeps `value` for `key` at `cost` bytes (a key already kept keeps its first value), and
    /// drops old entries until the total is within the budget again.
    public func insert(_ value: Value, for key: Key, cost: Int) {
        guard budget > 0 else { return }
        state.withLock { state in
            guard state.entries[key] == nil else { return }
            state.entries[key] = Entry(value: value, cost: cost)
            state.order.append(key)
            state.cost += cost
            // A spared entry loses its mark, so each is spared once at most: this ends.
            while state.cost > budget, state.order.count - state.first > 1 {
                let oldest = state.order[state.first]
                state.first += 1
                if state.entries[oldest]!.isReferenced {
                    state.entries[oldest]!.isReferenced = false
                    state.order.append(oldest)
                } else {
                    state.cost -= state.entries.removeValue(forKey: oldest)!.cost
                }
            }
            if state.first > 1024, state.first * 2 > state.order.count {
                state.order.removeFirst(state.first)
                state.first = 0
            }
        }
    }

    /// What is kept now, and the reads that found a value and that did not.
    public var counts: (entries: Int, cost: Int, hits: Int, misses: Int) {
        state.withLock { ($0.entries.count, $0.cost, $0.hits, $0.misses) }
    }
}
