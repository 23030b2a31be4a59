import MediaModel
import Snapshots

/// A set of documents as a bitmap, built from facet postings.
public struct DocumentSet: Sendable {
    private(set) var words: [UInt64]

    public init(count: Int, full: Bool) {
        words = Array(repeating: full ? ~0 : 0, count: (count + 63) / 64)
        if full, count % 64 != 0, !words.isEmpty {
            words[words.count - 1] = (1 << UInt64(count % 64)) - 1
        }
    }

    public func contains(_ doc: UInt32) -> Bool {
        words[Int(doc >> 6)] & (1 << UInt64(doc & 63)) != 0
    }

    public mutating func insert(_ doc: UInt32) {
        words[Int(doc >> 6)] |= 1 << UInt64(doc & 63)
    }

    public mutating func formIntersection(_ other: DocumentSet) {
        for index in words.indices { words[index] &= other.words[index] }
    }

    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Members in ascending order.
    public func forEach(_ body: (UInt32) -> Void) {
        for (index, word) in words.enumerated() where word != 0 {
            var rest = word
            while rest != 0 {
                let bit = rest.trailingZeroBitCount
                body(UInt32(index * 64 + bit))
                rest &= rest - 1
            }
        }
    }
}

extension SearchFilters {
    /// The documents that pass every filter, or nil when there are no filters.
    public func documents(in snapshot: Snapshot) throws -> DocumentSet? {
        guard !isEmpty else { return nil }
        let count = snapshot.documentCount
        var result = DocumentSet(count: count, full: true)
        func union(_ field: FacetField, _ values: [String]) throws -> DocumentSet {
            var set = DocumentSet(count: count, full: false)
            for value in values {
                for doc in try snapshot.facetDocuments(field, value) { set.insert(doc) }
            }
            return set
        }
        if !kinds.isEmpty { result.formIntersection(try union(.kind, kinds.map(\.rawValue))) }
        if !genres.isEmpty { result.formIntersection(try union(.genre, genres.map(\.rawValue))) }
        if yearFrom != nil || yearTo != nil {
            let years = snapshot.facetValues(.year).map(\.value).filter { text in
                guard let year = Int(text) else { return false }
                return year >= (yearFrom ?? Int.min) && year <= (yearTo ?? Int.max)
            }
            result.formIntersection(try union(.year, years))
        }
        if !countries.isEmpty || !services.isEmpty || !monetizations.isEmpty {
            // Offer triples where every given component matches.
            let triples = snapshot.facetValues(.offer).map(\.value).filter { triple in
                let parts = triple.split(separator: "/").map(String.init)
                guard parts.count == 3 else { return false }
                return (countries.isEmpty || countries.contains(parts[0]))
                    && (services.isEmpty || services.contains(parts[1]))
                    && (monetizations.isEmpty || monetizations.map(\.rawValue).contains(parts[2]))
            }
            result.formIntersection(try union(.offer, triples))
        }
        return result
    }
}
