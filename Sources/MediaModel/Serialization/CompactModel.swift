// Hand-written compact coding of the two hot model types — source records (staging) and
// canonical titles (snapshots). They write exactly the bytes the generic `Codable` path writes
// (tests compare the two), at several times the speed, because building, loading and serving
// spend most of their time here.

extension CompactEncoder {
    /// The compact bytes of a source record (fast path; same bytes as the generic encoding).
    public func encode(_ record: SourceRecord) throws -> [UInt8] {
        let sink = CompactSink()
        sink.write(record)
        return sink.bytes
    }

    /// The compact bytes of a canonical title (fast path; same bytes as the generic encoding).
    public func encode(_ title: CanonicalTitle) throws -> [UInt8] {
        let sink = CompactSink()
        sink.write(title)
        return sink.bytes
    }
}

extension CompactDecoder {
    /// Decodes a source record (fast path).
    public func decode(_ type: SourceRecord.Type, from bytes: UnsafeRawBufferPointer) throws -> SourceRecord {
        try SourceRecord(compact: CompactReader(base: bytes), at: 0)
    }

    /// Decodes a canonical title (fast path).
    public func decode(_ type: CanonicalTitle.Type, from bytes: UnsafeRawBufferPointer) throws -> CanonicalTitle {
        try CanonicalTitle(compact: CompactReader(base: bytes), at: 0)
    }

    /// The display title (`title`) of a canonical title's compact bytes, the other fields
    /// skipped without decoding them: what a list of names needs.
    public func titleName(from bytes: UnsafeRawBufferPointer) throws -> String {
        let reader = CompactReader(base: bytes)
        var name: String?
        try reader.fields(at: 0) { key, value in
            if name == nil, key == "title" { name = try reader.string(at: value, []) }
        }
        guard let name else { throw reader.corrupt([], "canonical title lacks a required field") }
        return name
    }

    public func decode(_ type: SourceRecord.Type, from bytes: [UInt8]) throws -> SourceRecord {
        try bytes.withUnsafeBytes { try decode(type, from: $0) }
    }

    public func decode(_ type: CanonicalTitle.Type, from bytes: [UInt8]) throws -> CanonicalTitle {
        try bytes.withUnsafeBytes { try decode(type, from: $0) }
    }
}

// MARK: Writing

extension CompactSink {
    func begin() { bytes.append(CompactTag.object) }
    func end() { bytes.append(CompactTag.end) }

    func field(_ key: String, _ value: String?) {
        guard let value else { return }
        string(key)
        string(value)
    }

    func field(_ key: String, _ value: Int?) {
        guard let value else { return }
        string(key)
        integer(Int64(value))
    }

    func field(_ key: String, _ value: Double?) {
        guard let value else { return }
        string(key)
        double(value)
    }

    func field(_ key: String, _ values: [String]?) {
        guard let values else { return }
        string(key)
        bytes.append(CompactTag.array)
        for value in values { string(value) }
        bytes.append(CompactTag.end)
    }

    func field(_ key: String, _ map: [String: String]?) {
        guard let map else { return }
        string(key)
        begin()
        for name in map.keys.sorted() { field(name, map[name]) }
        end()
    }

    func field(_ key: String, _ map: [String: [String]]?) {
        guard let map else { return }
        string(key)
        begin()
        for name in map.keys.sorted() { field(name, map[name]) }
        end()
    }

    func field<Element>(_ key: String, _ values: [Element]?, _ write: (Element) -> Void) {
        guard let values else { return }
        string(key)
        bytes.append(CompactTag.array)
        for value in values { write(value) }
        bytes.append(CompactTag.end)
    }

    func write(_ ids: ExternalIDs) {
        begin()
        field("imdb", ids.imdb)
        field("tmdbMovie", ids.tmdbMovie)
        field("tmdbTV", ids.tmdbTV)
        field("tvdb", ids.tvdb)
        field("eidr", ids.eidr)
        field("wikidata", ids.wikidata)
        end()
    }

    func write(_ offer: Offer) {
        begin()
        field("country", offer.country)
        field("service", offer.service)
        field("monetization", offer.monetization.rawValue)
        if let price = offer.price {
            string("price")
            begin()
            field("amount", price.amountText)
            field("currency", price.currency)
            end()
        }
        field("quality", offer.quality?.rawValue)
        field("webURL", offer.webURL)
        field("deepLink", offer.deepLink)
        field("availableSince", offer.availableSince)
        field("expiresOn", offer.expiresOn)
        field("sources", offer.sources)
        end()
    }

    func write(_ rating: Rating) {
        begin()
        field("source", rating.source)
        field("value", rating.value)
        field("scale", rating.scale)
        field("votes", rating.votes)
        end()
    }

    func write(_ image: Image) {
        begin()
        field("kind", image.kind)
        field("url", image.url)
        field("width", image.width)
        field("height", image.height)
        end()
    }

    /// The descriptive fields both records and titles carry, in their declaration order.
    func writeDescription(_ title: some DescribedTitle) {
        field("originalTitle", title.originalTitle)
        field("alternateTitles", title.alternateTitles)
        field("year", title.year)
        field("releaseDate", title.releaseDate)
        field("runtimeMinutes", title.runtimeMinutes)
        field("overview", title.overview)
        field("genres", title.describedGenres?.map(\.rawValue))
        field("directors", title.describedDirectors)
        field("cast", title.describedCast)
        field("languages", title.describedLanguages)
        field("countries", title.describedCountries)
        field("ratings", title.ratings, write)
        field("images", title.images, write)
    }

    func write(_ record: SourceRecord) {
        begin()
        field("source", record.source)
        field("id", record.id)
        field("kind", record.kind.rawValue)
        field("title", record.title)
        writeDescription(record)
        if let ids = record.externalIDs {
            string("externalIDs")
            write(ids)
        }
        field("parentID", record.parentID)
        field("seasonNumber", record.seasonNumber)
        field("episodeNumber", record.episodeNumber)
        field("offers", record.offers, write)
        field("updatedAt", record.updatedAt)
        end()
    }

    func write(_ title: CanonicalTitle) {
        begin()
        field("id", title.id)
        field("kind", title.kind.rawValue)
        field("title", title.title)
        writeDescription(title)
        string("externalIDs")
        write(title.externalIDs)
        field("offers", title.offers, write)
        field("members", title.members)
        field("fieldSources", title.fieldSources)
        end()
    }
}
