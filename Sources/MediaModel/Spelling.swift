/// "Did you mean …?" for names a person types: configuration keys, commands, parameter values.
public enum Spelling {
    /// The name in `known` nearest `typed` by edit distance, when it is close enough to be a typo.
    public static func nearest(to typed: String, in known: [String]) -> String? {
        let scored = known.map { ($0, distance(Array(typed), Array($0))) }.min { $0.1 < $1.1 }
        guard let (best, score) = scored, score <= max(2, typed.count / 3) else { return nil }
        return best
    }

    private static func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
