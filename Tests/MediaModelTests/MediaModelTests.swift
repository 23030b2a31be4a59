import Foundation
import MediaModel
import Testing

@Suite struct PriceTests {
    @Test func amountTravelsAsExactDecimalText() throws {
        let price = try JSONDecoder().decode(Price.self, from: Data(#"{"amount":"3.99","currency":"USD"}"#.utf8))
        #expect(price.amountText == "3.99")
        let encoded = String(decoding: try JSONEncoder().encode(price), as: UTF8.self)
        #expect(encoded.contains(#""amount":"3.99""#))
    }

    @Test func numericAmountIsAccepted() throws {
        let price = try JSONDecoder().decode(Price.self, from: Data(#"{"amount":12.5,"currency":"EUR"}"#.utf8))
        #expect(price.amount == Decimal(string: "12.5"))
    }

    @Test(arguments: [
        ("3.990", "3.99"), ("007", "7"), ("0.50", "0.5"), (".5", "0.5"), ("12.", "12"), ("0", "0"), (" 4.00\t", "4"),
        ("\u{00A0}2.5\u{2009}", "2.5"), ("000.000", "0"),
    ])
    func amountsAreNormalizedSoEqualAmountsCompareEqual(text: String, normalized: String) throws {
        #expect(try #require(Price(amountText: text, currency: "USD")).amountText == normalized)
    }

    @Test(arguments: ["1,99", "-3", "", "abc", "1.2.3", ".", "1e5", "1 000", "٣.5", "  "])
    func malformedAmountsAreRefused(text: String) {
        #expect(Price(amountText: text, currency: "USD") == nil)
    }
}

@Suite struct SourceRecordValidationTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)  // 2026

    func record(_ change: (inout SourceRecord) -> Void = { _ in }) -> SourceRecord {
        var record = SourceRecord(source: "test", id: "1", kind: .movie, title: "Alien")
        record.year = 1979
        change(&record)
        return record
    }

    @Test func validRecordHasNoProblems() {
        let valid = record {
            $0.externalIDs = ExternalIDs(imdb: "tt0078748")
            $0.countries = ["GB", "US"]
            $0.offers = [
                Offer(country: "US", service: "max", monetization: .subscription, availableSince: "2024-01-01")
            ]
        }
        #expect(valid.problems(now: Self.now).isEmpty)
    }

    /// One broken field per case, named by the field the problem must mention.
    static func breaking(_ field: String) -> SourceRecord {
        var r = SourceRecord(source: "test", id: "1", kind: .movie, title: "Alien")
        r.year = 1979
        switch field {
        case "title": r.title = "   "
        case "year": r.year = 3021
        case "runtimeMinutes": r.runtimeMinutes = 0
        case "externalIDs.imdb": r.externalIDs = ExternalIDs(imdb: "0078748")
        case "countries[0]": r.countries = ["USA"]
        case "releaseDate": r.releaseDate = "1979-13-01"
        case "parentID": r.kind = .episode
        case "price.currency":
            r.offers = [
                Offer(country: "US", service: "max", monetization: .rent, price: Price(amount: 3, currency: "usd"))
            ]
        case "service": r.offers = [Offer(country: "US", service: "Max Go!", monetization: .subscription)]
        default: Issue.record("no case \(field)")
        }
        return r
    }

    @Test(
        arguments: [
            "title", "year", "runtimeMinutes", "externalIDs.imdb", "countries[0]", "releaseDate", "parentID",
            "price.currency", "service",
        ]
    )
    func problemsNameTheField(field: String) {
        let problems = Self.breaking(field).problems(now: Self.now)
        #expect(problems.count == 1)
        #expect(problems.first?.contains("'\(field)'") == true, "\(problems)")
    }

    @Test func absurdlyEarlyYearIsAProblem() {
        #expect(!record { $0.year = 1200 }.problems(now: Self.now).isEmpty)
    }
}

@Suite struct DateFormTests {
    @Test(arguments: [
        ("2024-07-01", true), ("2024-07-01T03:59:00Z", true), ("2024-12-31T", true), ("2024-13-01", false),
        ("2024-00-10", false), ("2024-07-00", false), ("2024-07-32", false), ("2024-7-01", false),
        ("2024-07-1", false), ("20240701", false), ("2024-07-01x", false), ("2024-07-01 ", false), ("", false),
        ("２０２４-07-01", false), ("2024/07/01", false),
    ])
    func isoDatesAreRecognised(text: String, valid: Bool) {
        #expect(SourceRecord.isISODate(text) == valid)
    }
}

@Suite struct VocabularyTests {
    @Test(arguments: [
        ("Sci-Fi", Genre.scienceFiction), ("science-fiction", .scienceFiction), ("Drama", .drama), ("Sports", .sport),
        ("SCIENCE FICTION", .scienceFiction), ("Children's", .kids), ("Biopic", .biography), ("war", .war),
        ("Drama\u{00A0}", .drama), ("Drâma", nil),
    ])
    func genresResolveFromCommonNames(name: String, genre: Genre?) {
        #expect(Genre(lenientName: name) == genre)
    }

    @Test func unknownGenreIsNotGuessed() {
        #expect(Genre(lenientName: "Mumblecore") == nil)
    }

    @Test func tmdbMovieAndTVIdsAreSeparateLinkKeys() {
        let movie = ExternalIDs(tmdbMovie: 1399)
        let show = ExternalIDs(tmdbTV: 1399)
        #expect(Set(movie.linkKeys).isDisjoint(with: show.linkKeys))
    }

    @Test func qualityLadderIsOrdered() {
        #expect(VideoQuality.allCases.sorted() == [.sd, .hd, .uhd, .hdr])
    }
}

@Suite struct ParallelMapTests {
    @Test(arguments: [0, 1, 2, 7, 13, 15, 17, 100, 1001])
    func keepsOrderForEveryCount(count: Int) throws {
        let input = Array(0..<count)
        #expect(input.parallelMap { $0 * 3 } == input.map { $0 * 3 })
    }

    struct Boom: Error {}

    @Test func rethrowsAWorkersError() {
        #expect(throws: Boom.self) {
            _ = try Array(0..<100).parallelMap { if $0 == 57 { throw Boom() } else { return $0 } }
        }
    }
}

@Suite struct JSONStringTests {
    /// Every ASCII character, quotes and backslashes among them, and text beyond ASCII read back
    /// as the same string through a JSON decoder.
    @Test func everyCharacterRoundTripsThroughAJSONDecoder() throws {
        let texts = [
            String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self), "Amélie · 🎬 — “quoted”", "", "a\"b\\c",
        ]
        for text in texts {
            let literal = JSONString.quoted(text)
            #expect(try JSONDecoder().decode(String.self, from: Data(literal.utf8)) == text)
            #expect(!literal.dropFirst().dropLast().utf8.contains { $0 < 0x20 }, "no raw control character")
        }
        #expect(JSONString.quoted("a\nb\t\u{1}") == #""a\nb\t\u0001""#)
        // As JSONEncoder writes them, so that the daemon's hand-written responses match its own.
        #expect(JSONString.quoted("\u{8}\u{c}/") == #""\b\f/""#)
    }
}
