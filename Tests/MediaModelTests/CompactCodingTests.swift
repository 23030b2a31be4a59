import Foundation
import MediaModel
import Testing

@Suite struct CompactCodingTests {
    static var fullTitle: CanonicalTitle {
        var title = CanonicalTitle(id: "mg0123456789ab", kind: .movie, title: "Amélie — «Le fabuleux destin»")
        title.originalTitle = "Le Fabuleux Destin d'Amélie Poulain"
        title.alternateTitles = ["de-DE": ["Die fabelhafte Welt der Amélie"], "en-US": ["Amelie", "Amélie"]]
        title.year = 2001
        title.releaseDate = "2001-04-25"
        title.runtimeMinutes = 122
        title.overview = "A shy waitress decides to change the lives of those around her. 🎬"
        title.genres = [.comedy, .romance]
        title.directors = ["Jean-Pierre Jeunet"]
        title.cast = ["Audrey Tautou", "Mathieu Kassovitz"]
        title.languages = ["fr"]
        title.countries = ["FR", "DE"]
        title.ratings = [
            Rating(source: "imdb", value: 8.3, scale: 10, votes: 800_000), Rating(source: "x", value: -1.5, scale: 5),
        ]
        title.images = [Image(kind: "poster", url: "https://example.invalid/p.jpg", width: 500)]
        title.externalIDs = ExternalIDs(imdb: "tt0211915", tmdbMovie: 194, wikidata: "Q484048")
        title.offers = [
            Offer(
                country: "FR",
                service: "canal-plus",
                monetization: .subscription,
                quality: .uhd,
                webURL: "https://example.invalid/a",
                expiresOn: "2026-12-31"
            ),
            Offer(
                country: "US",
                service: "apple-tv-store",
                monetization: .rent,
                price: Price(amountText: "3.99", currency: "USD")
            ),
        ]
        // A canonical title's offers name the records that reported them.
        title.offers[0].sources = ["a:1", "b:2"]
        title.members = ["a:1", "b:2"]
        title.fieldSources = ["title": "a:1", "overview": "b:2"]
        return title
    }

    @Test func canonicalTitleRoundTripsExactly() throws {
        let bytes = try CompactEncoder().encode(Self.fullTitle)
        #expect(try CompactDecoder().decode(CanonicalTitle.self, from: bytes) == Self.fullTitle)
        // Smaller than the JSON form.
        #expect(bytes.count < (try JSONEncoder().encode(Self.fullTitle)).count)
    }

    @Test func minimalRecordRoundTripsWithNilsAbsent() throws {
        var record = SourceRecord(source: "s", id: "-1", kind: .episode, title: "")
        record.year = Int.min + 1
        record.episodeNumber = Int.max
        let decoded = try CompactDecoder().decode(SourceRecord.self, from: try CompactEncoder().encode(record))
        #expect(decoded == record)
        #expect(decoded.overview == nil)
    }

    @Test func encodingIsDeterministicSoItCanBeHashed() throws {
        // Dictionaries are unordered in Swift; keys must still encode in a stable order.
        let first = try CompactEncoder().encode(Self.fullTitle)
        for _ in 0..<5 {
            var copy = Self.fullTitle
            copy.fieldSources = Dictionary(uniqueKeysWithValues: Self.fullTitle.fieldSources.map { ($0.key, $0.value) })
            #expect(try CompactEncoder().encode(copy) == first)
        }
    }

    @Test func damagedBytesThrowInsteadOfCrashing() throws {
        let bytes = try CompactEncoder().encode(Self.fullTitle)
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: (any Error).self) {
                _ = try CompactDecoder().decode(CanonicalTitle.self, from: Array(bytes.prefix(cut)))
            }
        }
        var flipped = bytes
        flipped[0] = 0xee
        #expect(throws: (any Error).self) { _ = try CompactDecoder().decode(CanonicalTitle.self, from: flipped) }
    }

    @Test func typeMismatchIsADecodingError() throws {
        let bytes = try CompactEncoder().encode([
            "id": "x", "kind": "movie", "title": "T", "source": "s", "year": "nineteen",
        ])
        #expect(throws: DecodingError.self) { _ = try CompactDecoder().decode(SourceRecord.self, from: bytes) }
    }
}

/// The hand-written fast paths must agree byte for byte with the generic `Codable` path.
@Suite struct CompactFastPathTests {
    func genericEncode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        try CompactEncoder().encode(value)
    }

    func genericDecode<Value: Decodable>(_ type: Value.Type, _ bytes: [UInt8]) throws -> Value {
        try CompactDecoder().decode(type, from: bytes)
    }

    static var fullRecord: SourceRecord {
        let title = CompactCodingTests.fullTitle
        var record = SourceRecord(source: "wikidata", id: "Q484048", kind: .movie, title: title.title)
        record.originalTitle = title.originalTitle
        record.alternateTitles = title.alternateTitles
        record.year = title.year
        record.releaseDate = title.releaseDate
        record.runtimeMinutes = title.runtimeMinutes
        record.overview = title.overview
        record.genres = title.genres
        record.directors = title.directors
        record.cast = title.cast
        record.languages = title.languages
        record.countries = title.countries
        record.ratings = title.ratings
        record.images = title.images
        record.externalIDs = title.externalIDs
        record.parentID = "p"
        record.seasonNumber = 1
        record.episodeNumber = 2
        record.offers = title.offers
        record.updatedAt = "2026-01-01T00:00:00Z"
        return record
    }

    @Test func sourceRecordBytesMatchTheGenericEncoding() throws {
        for record in [Self.fullRecord, SourceRecord(source: "s", id: "1", kind: .series, title: "T")] {
            let fast = try CompactEncoder().encode(record)
            #expect(fast == (try genericEncode(record)))
            #expect(try CompactDecoder().decode(SourceRecord.self, from: fast) == record)
            #expect(try genericDecode(SourceRecord.self, fast) == record)
        }
    }

    @Test func canonicalTitleBytesMatchTheGenericEncoding() throws {
        for title in [CompactCodingTests.fullTitle, CanonicalTitle(id: "mg1", kind: .video, title: "")] {
            let fast = try CompactEncoder().encode(title)
            #expect(fast == (try genericEncode(title)))
            #expect(try CompactDecoder().decode(CanonicalTitle.self, from: fast) == title)
            #expect(try genericDecode(CanonicalTitle.self, fast) == title)
        }
    }

    /// A record whose one rating or image lacks `field`, written by the generic encoder.
    func recordMissing(_ field: String) throws -> [UInt8] {
        var rating: [String: Double] = ["value": 8, "scale": 10]
        var image = ["kind": "poster", "url": "https://example.invalid/p.jpg"]
        rating[field] = nil
        image[field] = nil
        struct Loose: Encodable {
            var source = "s", id = "1", kind = "movie", title = "T"
            var ratings: [Rating]
            var images: [[String: String]]
            struct Rating: Encodable {
                var source: String?
                var fields: [String: Double]
                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: AnyKey.self)
                    try container.encodeIfPresent(source, forKey: AnyKey("source"))
                    for (key, value) in fields { try container.encode(value, forKey: AnyKey(key)) }
                }
            }
        }
        let ratingSource: String? = field == "source" ? nil : "imdb"
        return try genericEncode(
            Loose(ratings: [.init(source: ratingSource, fields: rating)], images: [image])
        )
    }

    @Test(arguments: ["source", "value", "scale", "kind", "url"])
    func fastDecoderIsAsStrictAsTheGenericOne(missing field: String) throws {
        let bytes = try recordMissing(field)
        #expect(throws: (any Error).self) { _ = try genericDecode(SourceRecord.self, bytes) }
        #expect(throws: (any Error).self) { _ = try CompactDecoder().decode(SourceRecord.self, from: bytes) }
    }

    @Test func fastDecoderRejectsDamage() throws {
        let bytes = try CompactEncoder().encode(Self.fullRecord)
        for cut in stride(from: 0, to: bytes.count, by: 5) {
            #expect(throws: (any Error).self) {
                _ = try CompactDecoder().decode(SourceRecord.self, from: Array(bytes.prefix(cut)))
            }
        }
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
