import MediaModel

/// Builds facet postings: for each (field, value), the sorted docs that have it.
struct FacetBuilder {
    private var values: [FacetField: [String: [UInt32]]] = [:]

    init(titles: [CanonicalTitle]) {
        for (index, title) in titles.enumerated() {
            let doc = UInt32(index)
            add(.kind, title.kind.rawValue, doc)
            if let year = title.year { add(.year, String(year), doc) }
            for genre in title.genres { add(.genre, genre.rawValue, doc) }
            for offer in title.offers {
                add(.country, offer.country, doc)
                add(.service, offer.service, doc)
                add(.monetization, offer.monetization.rawValue, doc)
                add(.offer, "\(offer.country)/\(offer.service)/\(offer.monetization.rawValue)", doc)
            }
        }
    }

    private mutating func add(_ field: FacetField, _ value: String, _ doc: UInt32) {
        // Docs arrive in order; skip the repeat when a title has several offers with one value.
        if values[field, default: [:]][value, default: []].last != doc {
            values[field, default: [:]][value, default: []].append(doc)
        }
    }

    /// Dictionary: u32 count, then per value u8 field code, varint value length, value, varint
    /// doc count, varint postings offset, varint postings length. Postings: delta varints.
    func encode() -> (dictionary: [UInt8], postings: [UInt8]) {
        var dictionary = ByteWriter()
        var postings = ByteWriter()
        let entries = FacetField.allCases.flatMap { field in
            (values[field] ?? [:]).keys.sorted().map { (field, $0) }
        }
        dictionary.u32(UInt32(entries.count))
        for (field, value) in entries {
            let docs = values[field]![value]!
            let start = postings.count
            var last: UInt32 = 0
            for (position, doc) in docs.enumerated() {
                postings.varint(UInt64(position == 0 ? doc : doc - last))
                last = doc
            }
            dictionary.u8(field.code)
            let bytes = Array(value.utf8)
            dictionary.varint(bytes.count)
            dictionary.append(bytes)
            dictionary.varint(docs.count)
            dictionary.varint(start)
            dictionary.varint(postings.count - start)
        }
        return (dictionary.bytes, postings.bytes)
    }
}
