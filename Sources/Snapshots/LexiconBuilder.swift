import MediaModel

/// Builds the lexical index: term dictionary, postings with weighted term frequencies, and
/// per-document lengths (field norms) for BM25F.
struct LexiconBuilder {
    private(set) var postings: [String: [(doc: UInt32, frequency: UInt8)]] = [:]
    private(set) var lengths: [UInt16] = []

    init(titles: [CanonicalTitle]) {
        // Tokenizing is independent per title: do it on all cores, then merge in document order.
        let analyzed = titles.parallelMap { title in
            var frequencies: [String: Int] = [:]
            var length = 0
            for (field, text) in IndexedField.texts(of: title) {
                for term in Tokenizer.terms(text) {
                    frequencies[term, default: 0] += field.weight
                    length += field.weight
                }
            }
            return (length: length, frequencies: frequencies)
        }
        lengths.reserveCapacity(titles.count)
        for (doc, document) in analyzed.enumerated() {
            lengths.append(UInt16(min(document.length, Int(UInt16.max))))
            for (term, frequency) in document.frequencies {
                postings[term, default: []].append((UInt32(doc), UInt8(min(frequency, 255))))
            }
        }
    }

    var termCount: Int { postings.count }

    var averageLength: Double {
        lengths.isEmpty ? 0 : Double(lengths.reduce(0) { $0 + Int($1) }) / Double(lengths.count)
    }

    /// Encodes dictionary, restart offsets and postings.
    ///
    /// Dictionary entry: varint shared-prefix length, varint suffix length, suffix, varint doc
    /// frequency, varint postings offset, varint postings length. Every `termsPerRestart`-th entry
    /// shares nothing and is listed in the restart table for binary search.
    func encode() -> (terms: [UInt8], restarts: [UInt8], postings: [UInt8]) {
        let sortedTerms = postings.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var dictionary = ByteWriter()
        var restarts = ByteWriter()
        var postingBytes = ByteWriter()
        restarts.u32(UInt32((sortedTerms.count + SnapshotFormat.termsPerRestart - 1) / SnapshotFormat.termsPerRestart))
        var previous: [UInt8] = []
        for (index, term) in sortedTerms.enumerated() {
            let bytes = Array(term.utf8)
            var shared = 0
            if index % SnapshotFormat.termsPerRestart == 0 {
                restarts.u32(UInt32(dictionary.count))
            } else {
                while shared < min(previous.count, bytes.count), previous[shared] == bytes[shared] { shared += 1 }
            }
            let list = postings[term]!
            let start = postingBytes.count
            var last: UInt32 = 0
            for (position, posting) in list.enumerated() {
                postingBytes.varint(UInt64(position == 0 ? posting.doc : posting.doc - last))
                postingBytes.u8(posting.frequency)
                last = posting.doc
            }
            dictionary.varint(shared)
            dictionary.varint(bytes.count - shared)
            dictionary.append(bytes[shared...])
            dictionary.varint(list.count)
            dictionary.varint(start)
            dictionary.varint(postingBytes.count - start)
            previous = bytes
        }
        return (dictionary.bytes, restarts.bytes, postingBytes.bytes)
    }

    func encodeNorms() -> [UInt8] {
        var out = ByteWriter()
        for length in lengths { out.u16(length) }
        return out.bytes
    }
}
