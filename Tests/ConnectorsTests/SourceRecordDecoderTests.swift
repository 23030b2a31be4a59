import Connectors
import Foundation
import MediaModel
import Testing

@Suite struct SourceRecordDecoderTests {
    let decoder = SourceRecordDecoder(source: "catalog", now: Date(timeIntervalSince1970: 1_780_000_000))

    func decode(_ line: String) -> SourceRecordDecoder.Outcome {
        decoder.decode(Data(line.utf8))
    }

    func reason(_ line: String) -> String? {
        if case .rejected(let reason) = decode(line) { return reason }
        return nil
    }

    @Test func validLineBecomesARecordOfTheImportsSource() throws {
        let line = #"""
            {"id":"tt0078748","kind":"movie","title":"Alien","year":1979,"genres":["horror","science-fiction"],
             "externalIDs":{"imdb":"tt0078748"},
             "offers":[{"country":"US","service":"max","monetization":"subscription","quality":"hd"},
                       {"country":"US","service":"apple-tv-store","monetization":"rent","price":{"amount":"3.99","currency":"USD"}}]}
            """#.replacingOccurrences(of: "\n", with: "")
        guard case .record(let record, let unknown) = decode(line) else {
            Issue.record("expected a record, got \(decode(line))")
            return
        }
        #expect(record.source == "catalog")
        #expect(record.key == "catalog:tt0078748")
        #expect(record.genres == [.horror, .scienceFiction])
        #expect(record.offers?[1].price?.amountText == "3.99")
        #expect(unknown.isEmpty)
    }

    @Test func unknownFieldsAreReportedNotFatal() {
        guard case .record(_, let unknown) = decode(#"{"id":"1","kind":"movie","title":"X","rating_mpaa":"R","zz":1}"#)
        else {
            Issue.record("expected a record")
            return
        }
        #expect(unknown == ["rating_mpaa", "zz"])
    }

    @Test(
        arguments: [
            (#"{"id":"1","kind":"movie","title":"X""#, "not valid JSON"),
            (#"["not","an","object"]"#, "wrong type"),
            (#"{"id":"1","kind":"movie"}"#, "required field 'title' is missing"),
            (#"{"id":"1","kind":"movie","title":"X","year":"nineteen"}"#, "field 'year' has the wrong type"),
            (#"{"id":"1","kind":"film","title":"X"}"#, "field 'kind'"),
            (#"{"id":"1","kind":"movie","title":""}"#, "field 'title' is empty"),
            (#"{"id":"1","kind":"movie","title":"X","year":99999}"#, "field 'year' is 99999"),
            (#"{"id":"1","kind":"movie","title":"X","genres":["drama","mumblecore"]}"#, "field 'genres[1]'"),
            (#"{"id":"1","kind":"movie","title":"X","source":"other"}"#, "source"),
            (
                #"{"id":"1","kind":"movie","title":"X","offers":[{"country":"US","service":"max","monetization":"lease"}]}"#,
                "field 'offers[0].monetization'"
            ),
            (#"{"id":"1","kind":"movie","title":null}"#, "field 'title' is null"),
        ]
    )
    func badLinesAreRejectedWithAReasonNamingTheField(line: String, expected: String) {
        let reason = reason(line)
        #expect(reason?.contains(expected) == true, "reason was: \(reason ?? "accepted")")
    }

    @Test func blankLinesAreSkipped() {
        guard case .blank = decode("   \r") else {
            Issue.record("expected blank")
            return
        }
    }
}
