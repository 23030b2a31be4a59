extension Snapshot {
    /// Longest term, in UTF-8 bytes, that the dictionary can hold (40 characters of up to 4 bytes).
    public static let maximumTermBytes = 160

    /// Calls `body` with each dictionary term ≥ `start` in order — its UTF-8 bytes (valid only
    /// during the call) and its entry fields — until `body` returns false. Allocates nothing per
    /// term, so scans over thousands of terms (prefixes, typos) stay cheap.
    public func scanTermBytes(
        from start: String,
        _ body: (_ term: UnsafeBufferPointer<UInt8>, _ entry: () -> TermEntry) throws -> Bool
    ) throws {
        guard !restartOffsets.isEmpty else { return }
        let key = Array(start.utf8)
        let terms = region(.terms)
        var offset = restartOffsets[try restartBlock(for: key)]
        var buffer = [UInt8](repeating: 0, count: Self.maximumTermBytes)
        var length = 0
        try buffer.withUnsafeMutableBufferPointer { term in
            while offset < terms.count {
                var reader = ByteReader(terms, offset: offset)
                let shared = try reader.int()
                let suffix = try reader.bytes(try reader.int())
                guard shared <= length, shared + suffix.count <= term.count else { throw ByteReader.OutOfBounds() }
                for (index, byte) in suffix.enumerated() { term[shared + index] = byte }
                length = shared + suffix.count
                let frequency = try reader.int()
                let postingsOffset = try reader.int()
                let postingsLength = try reader.int()
                offset = reader.offset
                let bytes = UnsafeBufferPointer(rebasing: term[0..<length])
                if bytes.lexicographicallyPrecedes(key) { continue }
                let more = try body(bytes) {
                    TermEntry(
                        term: String(decoding: bytes, as: UTF8.self),
                        documentFrequency: frequency,
                        postingsOffset: postingsOffset,
                        postingsLength: postingsLength
                    )
                }
                if !more { return }
            }
        }
    }

    /// The dictionary entry of exactly `term`, if indexed.
    public func lookup(_ term: String) throws -> TermEntry? {
        let key = Array(term.utf8)
        var result: TermEntry?
        try scanTermBytes(from: term) { bytes, entry in
            if bytes.elementsEqual(key) { result = entry() }
            return false
        }
        return result
    }

    /// The restart block whose first term is the greatest one ≤ `key`. Restart terms share no
    /// prefix, so their bytes are read in place from the mapping.
    private func restartBlock(for key: [UInt8]) throws -> Int {
        let terms = region(.terms)
        var low = 0
        var high = restartOffsets.count - 1
        var found = 0
        while low <= high {
            let middle = (low + high) / 2
            var reader = ByteReader(terms, offset: restartOffsets[middle])
            guard try reader.int() == 0 else { throw ByteReader.OutOfBounds() }
            let first = try reader.bytes(try reader.int())
            if !key.lexicographicallyPrecedes(first) {
                found = middle
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        return found
    }
}
