import Foundation
import MediaModel

/// Decodes and validates one line of the source-record JSONL format (`docs/formats/source-record.md`).
public struct SourceRecordDecoder: Sendable {
    /// What one line turned out to be.
    public enum Outcome: Sendable {
        /// A valid record, with the names of any fields the format does not define (ignored).
        case record(SourceRecord, unknownFields: [String])
        /// A line that cannot become a record, with the reason.
        case rejected(reason: String)
        /// A blank line, skipped.
        case blank
    }

    public let source: String
    private let now: Date

    public init(source: String, now: Date = Date()) {
        self.source = source
        self.now = now
    }

    /// Decodes `line`; never throws — every failure becomes `.rejected` with a reason naming the field.
    public func decode(_ line: Data) -> Outcome {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }) { return .blank }
        let decoder = JSONDecoder()
        decoder.userInfo[.recordSource] = source
        let wrapper: Line
        do {
            wrapper = try decoder.decode(Line.self, from: line)
        } catch let error as DecodingError {
            return .rejected(reason: Self.describe(error))
        } catch {
            return .rejected(reason: "not valid JSON: \(error)")
        }
        let problems = wrapper.record.problems(now: now)
        if !problems.isEmpty {
            return .rejected(reason: problems.joined(separator: "; "))
        }
        return .record(wrapper.record, unknownFields: wrapper.unknownFields)
    }

    /// The fields a line may carry; `source` is allowed but must match the import's source.
    static let knownFields: Set<String> = [
        "source", "id", "kind", "title", "originalTitle", "alternateTitles", "year", "releaseDate",
        "runtimeMinutes", "overview", "genres", "directors", "cast", "languages", "countries", "ratings",
        "images", "externalIDs", "parentID", "seasonNumber", "episodeNumber", "offers", "updatedAt",
    ]

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes the record and, from the same parsed tree, the names of unknown fields.
    private struct Line: Decodable {
        var record: SourceRecord
        var unknownFields: [String]

        init(from decoder: any Decoder) throws {
            let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
            let source = decoder.userInfo[.recordSource] as? String ?? ""
            let lineSource = try decoder.container(keyedBy: AnyKey.self)
                .decodeIfPresent(String.self, forKey: AnyKey(stringValue: "source"))
            if let lineSource, lineSource != source {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: [AnyKey(stringValue: "source")],
                        debugDescription: "'\(lineSource)' does not match this import's source '\(source)'"
                    )
                )
            }
            record = try RecordFields(from: decoder).record(source: source)
            unknownFields = keys.filter { !SourceRecordDecoder.knownFields.contains($0) }.sorted()
        }
    }

    /// The record's fields without `source`, which comes from the import rather than the line.
    private struct RecordFields: Decodable {
        var id: String
        var kind: TitleKind
        var title: String
        var originalTitle: String?
        var alternateTitles: [String: [String]]?
        var year: Int?
        var releaseDate: String?
        var runtimeMinutes: Int?
        var overview: String?
        var genres: [Genre]?
        var directors: [String]?
        var cast: [String]?
        var languages: [String]?
        var countries: [String]?
        var ratings: [Rating]?
        var images: [Image]?
        var externalIDs: ExternalIDs?
        var parentID: String?
        var seasonNumber: Int?
        var episodeNumber: Int?
        var offers: [Offer]?
        var updatedAt: String?

        func record(source: String) -> SourceRecord {
            var record = SourceRecord(source: source, id: id, kind: kind, title: title)
            record.originalTitle = originalTitle
            record.alternateTitles = alternateTitles
            record.year = year
            record.releaseDate = releaseDate
            record.runtimeMinutes = runtimeMinutes
            record.overview = overview
            record.genres = genres
            record.directors = directors
            record.cast = cast
            record.languages = languages
            record.countries = countries
            record.ratings = ratings
            record.images = images
            record.externalIDs = externalIDs
            record.parentID = parentID
            record.seasonNumber = seasonNumber
            record.episodeNumber = episodeNumber
            record.offers = offers
            record.updatedAt = updatedAt
            return record
        }
    }

    /// Turns a decoding error into "field 'offers[0].monetization': …".
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return text
        }
        switch error {
        case .keyNotFound(let key, let context):
            let full = path(context.codingPath + [key])
            return "required field '\(full)' is missing"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' has the wrong type (expected \(Self.typeName(type)))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' is null (expected \(Self.typeName(type)))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return "not valid JSON"
            }
            return "field '\(path(context.codingPath))' is invalid: \(context.debugDescription)"
        @unknown default:
            return "cannot decode: \(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Int.Type, is Double.Type: "number"
        case is Bool.Type: "boolean"
        default:
            if String(describing: type).hasPrefix("Array") { "array" } else { "object" }
        }
    }
}

extension CodingUserInfoKey {
    fileprivate static let recordSource = CodingUserInfoKey(rawValue: "mediagw.source")!
}
