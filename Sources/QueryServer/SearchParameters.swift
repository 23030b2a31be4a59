import Hummingbird
import MediaModel
import Search
import Snapshots

/// Parses and validates the query string of `GET /v1/search` into a ``SearchQuery``.
enum SearchParameters {
    static let known: Set<String> = [
        "q", "limit", "offset", "kind", "genre", "year_from", "year_to", "country", "service", "monetization", "facets",
    ]

    static func parse(_ parameters: Parameters) throws -> SearchQuery {
        for (name, _) in parameters where !known.contains(String(name)) {
            throw Problem.badParameter(
                String(name),
                "unknown parameter; known: \(known.sorted().joined(separator: ", "))"
            )
        }
        for name in ["q", "limit", "offset", "year_from", "year_to"] where parameters.getAll(name).count > 1 {
            throw Problem.badParameter(name, "given more than once")
        }
        let text = String(parameters.get("q") ?? "")
        if text.count > SearchQuery.maximumTextLength {
            throw Problem.badParameter("q", "is \(text.count) characters; at most \(SearchQuery.maximumTextLength)")
        }
        var filters = SearchFilters()
        filters.kinds = try values(parameters, "kind") { TitleKind(rawValue: $0) }
        filters.genres = try values(parameters, "genre") { Genre(rawValue: $0) }
        filters.monetizations = try values(parameters, "monetization") { Monetization(rawValue: $0) }
        filters.countries = try values(parameters, "country") { text in
            let upper = text.uppercased()
            return upper.count == 2 && upper.allSatisfy({ $0.isASCII && $0.isLetter }) ? upper : nil
        }
        filters.services = try values(parameters, "service") { ServiceCatalog.isWellFormed($0) ? $0 : nil }
        filters.yearFrom = try integer(parameters, "year_from", range: 1800...3000)
        filters.yearTo = try integer(parameters, "year_to", range: 1800...3000)
        if let from = filters.yearFrom, let to = filters.yearTo, from > to {
            throw Problem.badParameter("year_from", "\(from) is after year_to \(to)")
        }
        if text.trimmingCharacters(in: .whitespaces).isEmpty && filters.isEmpty {
            throw Problem.badParameter("q", "is required unless a filter is given")
        }
        let limit = try integer(parameters, "limit", range: 1...SearchQuery.maximumLimit) ?? 10
        let offset = try integer(parameters, "offset", range: 0...10_000) ?? 0
        var query = SearchQuery(text: text, filters: filters, limit: limit, offset: offset)
        query.facets = try values(parameters, "facets") { FacetField(rawValue: $0) }
        return query
    }

    /// Comma-separated or repeated values, each parsed by `make`.
    private static func values<Value>(
        _ parameters: Parameters,
        _ name: String,
        _ make: (String) -> Value?
    ) throws -> [Value] {
        let raw = parameters.getAll(name).flatMap { $0.split(separator: ",") }.map { String($0) }
        if raw.count > 50 { throw Problem.badParameter(name, "more than 50 values") }
        return try raw.map { text in
            guard let value = make(text) else {
                throw Problem.badParameter(name, "'\(text.prefix(64))' is not a valid value")
            }
            return value
        }
    }

    private static func integer(_ parameters: Parameters, _ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text = parameters.get(name) else { return nil }
        guard let value = Int(text) else { throw Problem.badParameter(name, "'\(text.prefix(64))' is not an integer") }
        guard range.contains(value) else {
            throw Problem.badParameter(name, "\(value) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }
}
