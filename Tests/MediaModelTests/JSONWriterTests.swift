import Foundation
import MediaModel
import Testing

/// `JSONWriter` must write what `JSONEncoder` (sorted keys, slashes as they are) writes, byte
/// for byte: clients and the OpenAPI checks see one form, whichever path wrote it.
@Suite struct JSONWriterTests {
    static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func written(_ write: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        write(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Every control character, quotes, backslashes, slashes, U+2028, non-ASCII and emoji.
    static let awkward: String = {
        var text = ""
        for byte in 0..<0x20 { text.unicodeScalars.append(Unicode.Scalar(UInt8(byte))) }
        return text + #" "quoted" back\slash a/b </script> é 😀 "# + "\u{7f}\u{2028}\u{2029}"
    }()

    /// A title with every field of every type the writer knows set, so that a field it leaves
    /// out or writes out of order fails the comparison.
    static var everyField: CanonicalTitle {
        var title = CompactCodingTests.fullTitle
        title.externalIDs = ExternalIDs(
            imdb: "tt0211915",
            tmdbMovie: 194,
            tmdbTV: 1399,
            tvdb: 81_189,
            eidr: "10.5240/7791-8534-2C23-9030-8610-5",
            wikidata: "Q484048"
        )
        title.images = [Image(kind: "poster", url: "https://example.invalid/p.jpg", width: 500, height: 750)]
        title.offers[0].deepLink = "app://title/1"
        title.offers[0].availableSince = "2026-01-01T00:00:00Z"
        title.offers[0].price = Price(amountText: "0", currency: "EUR")
        return title
    }

    @Test func aFullTitleIsWrittenAsTheEncoderWritesIt() throws {
        for title in [CompactCodingTests.fullTitle, Self.everyField] {
            #expect(Self.written { $0.write(title) } == (try Self.encoded(title)))
        }
    }

    @Test func aMinimalTitleLeavesOutWhatIsNilAndKeepsEmptyLists() throws {
        let title = CanonicalTitle(id: "mg000000000000", kind: .episode, title: "")
        #expect(Self.written { $0.write(title) } == (try Self.encoded(title)))
        #expect(Self.written { $0.write(title) }.contains(#""genres":[]"#))
    }

    @Test func awkwardTextAndKeysAreEscapedAndSortedAsTheEncoderDoes() throws {
        var title = CanonicalTitle(id: Self.awkward, kind: .movie, title: Self.awkward)
        title.overview = Self.awkward
        title.fieldSources = ["b": "1", "B": "2", "_": "3", "a b": "4", "aa": "5", "é": "6", "a": Self.awkward]
        title.alternateTitles = ["zz": [Self.awkward, ""], "de-DE": []]
        title.offers = [
            Offer(country: "US", service: "s", monetization: .free, deepLink: Self.awkward, availableSince: "x")
        ]
        #expect(Self.written { $0.write(title) } == (try Self.encoded(title)))
    }

    @Test(arguments: [
        0.0, -0.0, 1.0, 100.0, 0.1, 12.5, 7.25, 0.30000000000000004, 1e-7, 1e-5, 0.0001, 1e16, 1e21,
        123_456_789.0, 5e-324, 1.7976931348623157e308, -2.5, 0.123456789012, Double(Float(0.1)),
    ])
    func doublesAreWrittenAsTheEncoderWritesThem(number: Double) throws {
        let rating = Rating(source: "r", value: number, scale: -number, votes: 3)
        #expect(Self.written { $0.write(rating) } == (try Self.encoded(rating)))
    }

    @Test func randomDoublesMatchTheEncoder() throws {
        var random = SplitMix64(seed: 21)
        for _ in 0..<2000 {
            let number = Double(bitPattern: random.next())
            guard number.isFinite else { continue }
            #expect(Self.written { $0.value(number) } == String((try Self.encoded([number])).dropFirst().dropLast()))
        }
    }
}
