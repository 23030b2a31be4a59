// Reading the compact form of records and titles directly, without `Decoder` (see CompactModel.swift).

extension CompactReader {
    /// Calls `body(key, valueOffset)` for each field of the object at `offset`.
    func fields(at offset: Int, _ body: (String, Int) throws -> Void) throws {
        guard try byte(offset) == CompactTag.object else { throw mismatch([String: Any].self, []) }
        var position = offset + 1
        while try byte(position) != CompactTag.end {
            let key = String(decoding: try self.key(&position), as: UTF8.self)
            try body(key, position)
            position = try skip(position)
        }
    }

    /// Calls `body(valueOffset)` for each element of the array at `offset`.
    func elements(at offset: Int, _ body: (Int) throws -> Void) throws {
        guard try byte(offset) == CompactTag.array else { throw mismatch([Any].self, []) }
        var position = offset + 1
        while try byte(position) != CompactTag.end {
            try body(position)
            position = try skip(position)
        }
    }

    func strings(at offset: Int) throws -> [String] {
        var values: [String] = []
        try elements(at: offset) { values.append(try string(at: $0, [])) }
        return values
    }

    func optionalString(at offset: Int) throws -> String? {
        try byte(offset) == CompactTag.null ? nil : try string(at: offset, [])
    }

    func optionalInt(at offset: Int) throws -> Int? {
        try byte(offset) == CompactTag.null ? nil : Int(try integer(at: offset, []))
    }

    func stringMap(at offset: Int) throws -> [String: String] {
        var map: [String: String] = [:]
        try fields(at: offset) { key, value in map[key] = try string(at: value, []) }
        return map
    }

    func listMap(at offset: Int) throws -> [String: [String]] {
        var map: [String: [String]] = [:]
        try fields(at: offset) { key, value in map[key] = try strings(at: value) }
        return map
    }

    func enumeration<Value: RawRepresentable>(_ type: Value.Type, at offset: Int) throws -> Value
    where Value.RawValue == String {
        let text = try string(at: offset, [])
        guard let value = Value(rawValue: text) else { throw corrupt([], "'\(text)' is not a valid \(Value.self)") }
        return value
    }

    func list<Element>(at offset: Int, _ make: (Int) throws -> Element) throws -> [Element] {
        var values: [Element] = []
        try elements(at: offset) { values.append(try make($0)) }
        return values
    }

    func externalIDs(at offset: Int) throws -> ExternalIDs {
        var ids = ExternalIDs()
        try fields(at: offset) { key, value in
            switch key {
            case "imdb": ids.imdb = try optionalString(at: value)
            case "tmdbMovie": ids.tmdbMovie = try optionalInt(at: value)
            case "tmdbTV": ids.tmdbTV = try optionalInt(at: value)
            case "tvdb": ids.tvdb = try optionalInt(at: value)
            case "eidr": ids.eidr = try optionalString(at: value)
            case "wikidata": ids.wikidata = try optionalString(at: value)
            default: break
            }
        }
        return ids
    }

    func offer(at offset: Int) throws -> Offer {
        var country: String?
        var service: String?
        var monetization: Monetization?
        var offer = Offer(country: "", service: "", monetization: .free)
        try fields(at: offset) { key, value in
            switch key {
            case "country": country = try string(at: value, [])
            case "service": service = try string(at: value, [])
            case "monetization": monetization = try enumeration(Monetization.self, at: value)
            case "price":
                var amount: String?
                var currency: String?
                try fields(at: value) { key, value in
                    if key == "amount" { amount = try string(at: value, []) }
                    if key == "currency" { currency = try string(at: value, []) }
                }
                guard let amount, let currency, let price = Price(amountText: amount, currency: currency) else {
                    throw corrupt([], "malformed price")
                }
                offer.price = price
            case "quality": offer.quality = try enumeration(VideoQuality.self, at: value)
            case "webURL": offer.webURL = try optionalString(at: value)
            case "deepLink": offer.deepLink = try optionalString(at: value)
            case "availableSince": offer.availableSince = try optionalString(at: value)
            case "expiresOn": offer.expiresOn = try optionalString(at: value)
            case "sources": offer.sources = try strings(at: value)
            default: break
            }
        }
        guard let country, let service, let monetization else { throw corrupt([], "offer lacks a required field") }
        offer.country = country
        offer.service = service
        offer.monetization = monetization
        return offer
    }

    func rating(at offset: Int) throws -> Rating {
        var source: String?
        var value: Double?
        var scale: Double?
        var votes: Int?
        try fields(at: offset) { key, field in
            switch key {
            case "source": source = try string(at: field, [])
            case "value": value = try double(at: field, [])
            case "scale": scale = try double(at: field, [])
            case "votes": votes = try optionalInt(at: field)
            default: break
            }
        }
        // As strict as the generic decoder: required fields must be there.
        guard let source, let value, let scale else { throw corrupt([], "rating lacks a required field") }
        return Rating(source: source, value: value, scale: scale, votes: votes)
    }

    func image(at offset: Int) throws -> Image {
        var kind: String?
        var url: String?
        var width: Int?
        var height: Int?
        try fields(at: offset) { key, field in
            switch key {
            case "kind": kind = try string(at: field, [])
            case "url": url = try string(at: field, [])
            case "width": width = try optionalInt(at: field)
            case "height": height = try optionalInt(at: field)
            default: break
            }
        }
        guard let kind, let url else { throw corrupt([], "image lacks a required field") }
        return Image(kind: kind, url: url, width: width, height: height)
    }
}

extension CompactReader {
    /// Reads one of the descriptive fields (see `writeDescription`); ignores other keys.
    func readDescription(_ key: String, at value: Int, into title: inout some DescribedTitle) throws {
        switch key {
        case "originalTitle": title.originalTitle = try optionalString(at: value)
        case "alternateTitles": title.alternateTitles = try listMap(at: value)
        case "year": title.year = try optionalInt(at: value)
        case "releaseDate": title.releaseDate = try optionalString(at: value)
        case "runtimeMinutes": title.runtimeMinutes = try optionalInt(at: value)
        case "overview": title.overview = try optionalString(at: value)
        case "genres": title.describedGenres = try list(at: value) { try enumeration(Genre.self, at: $0) }
        case "directors": title.describedDirectors = try strings(at: value)
        case "cast": title.describedCast = try strings(at: value)
        case "languages": title.describedLanguages = try strings(at: value)
        case "countries": title.describedCountries = try strings(at: value)
        case "ratings": title.ratings = try list(at: value, rating)
        case "images": title.images = try list(at: value, image)
        default: break
        }
    }
}

/// The descriptive fields a source record and a canonical title share, so their compact coding
/// is written once. List fields are optional on records and required on titles.
protocol DescribedTitle {
    var originalTitle: String? { get set }
    var alternateTitles: [String: [String]]? { get set }
    var year: Int? { get set }
    var releaseDate: String? { get set }
    var runtimeMinutes: Int? { get set }
    var overview: String? { get set }
    var describedGenres: [Genre]? { get set }
    var describedDirectors: [String]? { get set }
    var describedCast: [String]? { get set }
    var describedLanguages: [String]? { get set }
    var describedCountries: [String]? { get set }
    var ratings: [Rating]? { get set }
    var images: [Image]? { get set }
}

extension SourceRecord: DescribedTitle {
    var describedGenres: [Genre]? {
        get { genres }
        set { genres = newValue }
    }
    var describedDirectors: [String]? {
        get { directors }
        set { directors = newValue }
    }
    var describedCast: [String]? {
        get { cast }
        set { cast = newValue }
    }
    var describedLanguages: [String]? {
        get { languages }
        set { languages = newValue }
    }
    var describedCountries: [String]? {
        get { countries }
        set { countries = newValue }
    }
}

extension CanonicalTitle: DescribedTitle {
    var describedGenres: [Genre]? {
        get { genres }
        set { genres = newValue ?? [] }
    }
    var describedDirectors: [String]? {
        get { directors }
        set { directors = newValue ?? [] }
    }
    var describedCast: [String]? {
        get { cast }
        set { cast = newValue ?? [] }
    }
    var describedLanguages: [String]? {
        get { languages }
        set { languages = newValue ?? [] }
    }
    var describedCountries: [String]? {
        get { countries }
        set { countries = newValue ?? [] }
    }
}

extension SourceRecord {
    init(compact reader: CompactReader, at offset: Int) throws {
        var source: String?
        var id: String?
        var kind: TitleKind?
        var title: String?
        var record = SourceRecord(source: "", id: "", kind: .movie, title: "")
        try reader.fields(at: offset) { key, value in
            switch key {
            case "source": source = try reader.string(at: value, [])
            case "id": id = try reader.string(at: value, [])
            case "kind": kind = try reader.enumeration(TitleKind.self, at: value)
            case "title": title = try reader.string(at: value, [])
            case "externalIDs": record.externalIDs = try reader.externalIDs(at: value)
            case "parentID": record.parentID = try reader.optionalString(at: value)
            case "seasonNumber": record.seasonNumber = try reader.optionalInt(at: value)
            case "episodeNumber": record.episodeNumber = try reader.optionalInt(at: value)
            case "offers": record.offers = try reader.list(at: value, reader.offer)
            case "updatedAt": record.updatedAt = try reader.optionalString(at: value)
            default: try reader.readDescription(key, at: value, into: &record)
            }
        }
        guard let source, let id, let kind, let title else {
            throw reader.corrupt([], "source record lacks a required field")
        }
        record.source = source
        record.id = id
        record.kind = kind
        record.title = title
        self = record
    }
}

extension CanonicalTitle {
    init(compact reader: CompactReader, at offset: Int) throws {
        var id: String?
        var kind: TitleKind?
        var name: String?
        var title = CanonicalTitle(id: "", kind: .movie, title: "")
        try reader.fields(at: offset) { key, value in
            switch key {
            case "id": id = try reader.string(at: value, [])
            case "kind": kind = try reader.enumeration(TitleKind.self, at: value)
            case "title": name = try reader.string(at: value, [])
            case "externalIDs": title.externalIDs = try reader.externalIDs(at: value)
            case "offers": title.offers = try reader.list(at: value, reader.offer)
            case "members": title.members = try reader.strings(at: value)
            case "fieldSources": title.fieldSources = try reader.stringMap(at: value)
            default: try reader.readDescription(key, at: value, into: &title)
            }
        }
        guard let id, let kind, let name else { throw reader.corrupt([], "canonical title lacks a required field") }
        title.id = id
        title.kind = kind
        title.title = name
        self = title
    }
}
