import MediaModel
import Testing

@Suite struct BoundedCacheTests {
    @Test func keepsWithinItsBudgetOldestFirst() {
        let cache = BoundedCache<Int, String>(budget: 30)
        for key in 1...4 { cache.insert("v\(key)", for: key, cost: 10) }
        #expect(cache.value(for: 1) == nil)
        #expect((2...4).map { cache.value(for: $0) } == ["v2", "v3", "v4"])
        #expect(cache.counts.cost == 30 && cache.counts.entries == 3)
        #expect(cache.counts.hits == 3 && cache.counts.misses == 1)
    }

    /// What was read since it came in is spared once; what was not goes first.
    @Test func sparesWhatWasReadAgain() {
        let cache = BoundedCache<String, Int>(budget: 3)
        for (cost, key) in ["a", "b", "c"].enumerated() { cache.insert(cost, for: key, cost: 1) }
        _ = cache.value(for: "a")
        cache.insert(3, for: "d", cost: 1)
        #expect(cache.value(for: "a") == 0)
        #expect(cache.value(for: "b") == nil)
        // "a" was spared and read again; "c" is the oldest unread now.
        cache.insert(4, for: "e", cost: 1)
        #expect(cache.value(for: "c") == nil)
        #expect(["a", "d", "e"].map { cache.value(for: $0) } == [0, 3, 4])
    }

    @Test func aKeyKeepsItsFirstValueAndAZeroBudgetKeepsNothing() {
        let cache = BoundedCache<Int, Int>(budget: 100)
        cache.insert(1, for: 7, cost: 1)
        cache.insert(2, for: 7, cost: 1)
        #expect(cache.value(for: 7) == 1 && cache.counts.cost == 1)
        let none = BoundedCache<Int, Int>(budget: 0)
        none.insert(1, for: 1, cost: 1)
        #expect(none.value(for: 1) == nil)
    }

    /// An entry larger than the budget does not empty the cache forever: it and older ones go,
    /// and the cache works on.
    @Test func anEntryLargerThanTheBudget() {
        let cache = BoundedCache<Int, Int>(budget: 10)
        cache.insert(1, for: 1, cost: 5)
        cache.insert(2, for: 2, cost: 50)
        #expect(cache.counts.cost <= 50)
        cache.insert(3, for: 3, cost: 5)
        #expect(cache.value(for: 3) == 3)
        #expect(cache.counts.cost <= 10)
    }
}
