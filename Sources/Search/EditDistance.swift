/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions) on bytes, cut off
/// early, reusing its rows across calls so a dictionary scan allocates nothing per term.
struct EditDistance {
    private var rows: [[Int]]

    init(capacity: Int) {
        rows = Array(repeating: Array(repeating: 0, count: capacity + 1), count: 3)
    }

    /// The distance between `a` and `b`, or `limit + 1` as soon as it must exceed `limit`.
    mutating func bounded(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        if b.count + 1 > rows[0].count { return limit + 1 }
        var twoBack = 0
        var previous = 1
        var current = 2
        for j in 0...b.count { rows[previous][j] = j }
        for i in 1...a.count {
            rows[current][0] = i
            var rowMinimum = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(rows[previous][j] + 1, rows[current][j - 1] + 1, rows[previous][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, rows[twoBack][j - 2] + 1)
                }
                rows[current][j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > limit { return limit + 1 }
            (twoBack, previous, current) = (previous, current, twoBack)
        }
        return rows[previous][b.count]
    }
}
