import Foundation
import Hummingbird
import HummingbirdCore
import MediaModel
import Search
import Snapshots

/// Parses and validates the query string of `GET /v1/search` into a ``SearchQuery``.
enum SearchParameters {
    static let filterNames: Set<String> = [
        "kind", "genre", "year_from", "year_to", "country", "service", "monetization",
    ]
    /// Offer date windows (ISO dates), held by the same offer as country, service and monetization.
    static let dateNames: Set<String> = ["available_since_from", "available_since_to", "expires_from", "expires_to"]
    static let known: Set<String> = filterNames.union(dateNames).union([
        "q", "limit", "offset", "facets", "mode", "offers", "sort", "explain",
    ])
    /// `GET /v1/titles/{id}/similar` takes the filters and a page.
    static let knownForSimilar: Set<String> = filterNames.union(["limit", "offset"])

    static func parse(_ uri: URI) throws -> SearchQuery {
        try checkEncoding(uri.query)
        let parameters = uri.queryParameters
        try checkNames(parameters, known)
        let text = String(parameters.get("q") ?? "")
        // Characters, code points and bytes: one letter with thousands of combining marks is
        // one character but thousands of code points for the tokenizer and the model.
        if let problem = SearchQuery.textLengthProblem(text) { throw Problem.badParameter("q", problem) }
        // Without text (and without filters) a search browses: every matching title, in id order.
        let filters = try parseFilters(parameters)
        var query = try page(parameters, text: text, filters: filters)
        query.facets = try values(parameters, "facets", allowed: FacetField.allCases.map(\.rawValue)) {
            FacetField(rawValue: $0)
        }
        if let mode = parameters.get("mode") {
            guard let parsed = SearchMode(rawValue: String(mode)) else {
                throw Problem.badParameter("mode", "'\(mode.prefix(64))' is not one of lexical, semantic, hybrid")
            }
            query.mode = parsed
        }
        switch parameters.get("explain").map({ String($0) }) {
        case nil, "false": break
        case "true": query.explain = true
        case let other?: throw Problem.badParameter("explain", "'\(other.prefix(64))' is not one of true, false")
        }
        query.filters.availableSince = try window(parameters, "available_since")
        query.filters.expires = try window(parameters, "expires")
        if let text = parameters.get("sort").map({ String($0) }) {
            guard let sort = SearchSort(parsing: text) else {
                throw Problem.badParameter(
                    "sort",
                    "'\(text.prefix(64))' is not one of \(SearchParameters.sortValues.joined(separator: ", "))"
                )
            }
            query.sort = sort
        }
        return query
    }

    /// What `sort` accepts: relevance, or a field ascending or (with `-`) descending.
    static let sortValues: [String] =
        ["relevance"]
        + SearchSort.Field.allCases.filter { $0 != .relevance }.flatMap { [$0.rawValue, "-" + $0.rawValue] }

    /// What `offers=` asks: `all` (default) or `matched`, the short form.
    static func matchedOffersOnly(_ uri: URI) throws -> Bool {
        switch uri.queryParameters.get("offers").map({ String($0) }) {
        case nil, "all": return false
        case "matched": return true
        case let other?: throw Problem.badParameter("offers", "'\(other.prefix(64))' is not one of all, matched")
        }
    }

    /// A leaving or new-arrivals request: the search filters (no text), a page, `on` (the day
    /// to count from, default today) and the window in days (`within` or `since`, as `30d`).
    struct AvailabilityRequest {
        var filters: SearchFilters
        var limit: Int
        var offset: Int
        var on: Day?
        var days: Int?
        var matchedOnly: Bool
    }

    static func parseAvailability(_ uri: URI, window: String) throws -> AvailabilityRequest {
        try checkEncoding(uri.query)
        let parameters = uri.queryParameters
        try checkNames(parameters, filterNames.union(["limit", "offset", "on", "offers", window]))
        for name in ["on", window, "offers"] where parameters.getAll(name).count > 1 {
            throw Problem.badParameter(name, "given more than once")
        }
        let page = try page(parameters, text: "", filters: try parseFilters(parameters))
        var days: Int?
        if let text = parameters.get(window).map({ String($0) }) {
            guard text.hasSuffix("d"), let value = Int(text.dropLast()), text.count <= 5, value >= 0 else {
                throw Problem.badParameter(
                    window,
                    "'\(text.prefix(64))' is not a number of days such as 30d (0d to 9999d)"
                )
            }
            days = value
        }
        return AvailabilityRequest(
            filters: page.filters,
            limit: page.limit,
            offset: page.offset,
            on: try date(parameters, "on"),
            days: days,
            matchedOnly: try matchedOffersOnly(uri)
        )
    }

    /// The countries of `GET /v1/titles/{id}/offers`.
    static func parseOffers(_ uri: URI) throws -> [String] {
        try checkEncoding(uri.query)
        let parameters = uri.queryParameters
        try checkNames(parameters, ["country"])
        return try countries(parameters)
    }

    /// `NAME_from`/`NAME_to` as a window of days; a `_from` after `_to` matches nothing.
    private static func window(_ parameters: Parameters, _ name: String) throws -> ClosedRange<Day>? {
        Day.window(from: try date(parameters, "\(name)_from"), to: try date(parameters, "\(name)_to"))
    }

    private static func date(_ parameters: Parameters, _ name: String) throws -> Day? {
        let all = parameters.getAll(name)
        if all.count > 1 { throw Problem.badParameter(name, "given more than once") }
        guard let text = all.first.map({ String($0) }) else { return nil }
        guard let day = Day(exactly: text) else {
            throw Problem.badParameter(name, "'\(text.prefix(64))' is not a date as YYYY-MM-DD")
        }
        return day
    }

    /// The filters and page of a similar-titles request.
    static func parseSimilar(_ uri: URI) throws -> SearchQuery {
        try checkEncoding(uri.query)
        let parameters = uri.queryParameters
        try checkNames(parameters, knownForSimilar)
        return try page(parameters, text: "", filters: try parseFilters(parameters))
    }

    /// Refuses a query string whose percent-escapes decode to invalid UTF-8 (`q=%ff%fe`), which
    /// decoding would otherwise turn silently into U+FFFD replacement characters.
    static func checkEncoding(_ query: String?) throws {
        guard let query else { return }
        for pair in query.split(separator: "&") {
            let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            guard percentDecodesToUTF8(pair.utf8) else {
                throw Problem.badParameter(
                    String(name.prefix(64)),
                    "is not valid UTF-8 once percent-decoded"
                )
            }
        }
    }

    private static func percentDecodesToUTF8(_ text: Substring.UTF8View) -> Bool {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return false
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self) != nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func checkNames(_ parameters: Parameters, _ known: Set<String>) throws {
        for (name, _) in parameters where !known.contains(String(name)) {
            throw Problem.badParameter(
                String(name),
                "unknown parameter; known: \(known.sorted().joined(separator: ", "))"
            )
        }
        for name in ["q", "limit", "offset", "year_from", "year_to", "mode", "sort", "explain"]
        where parameters.getAll(name).count > 1 {
            throw Problem.badParameter(name, "given more than once")
        }
    }

    private static func page(_ parameters: Parameters, text: String, filters: SearchFilters) throws -> SearchQuery {
        let limit = try integer(parameters, "limit", range: 1...SearchQuery.maximumLimit) ?? 10
        let offset = try integer(parameters, "offset", range: 0...10_000) ?? 0
        return SearchQuery(text: text, filters: filters, limit: limit, offset: offset)
    }

    private static func parseFilters(_ parameters: Parameters) throws -> SearchFilters {
        var filters = SearchFilters()
        filters.kinds = try values(parameters, "kind", allowed: TitleKind.allCases.map(\.rawValue)) {
            TitleKind(rawValue: $0)
        }
        filters.genres = try values(parameters, "genre", allowed: Genre.allCases.map(\.rawValue)) {
            Genre(rawValue: $0)
        }
        filters.monetizations = try values(parameters, "monetization", allowed: Monetization.allCases.map(\.rawValue)) {
            Monetization(rawValue: $0)
        }
        filters.countries = try countries(parameters)
        filters.services = try values(parameters, "service") { ServiceCatalog.isWellFormed($0) ? $0 : nil }
        filters.yearFrom = try integer(parameters, "year_from", range: 1800...3000)
        filters.yearTo = try integer(parameters, "year_to", range: 1800...3000)
        // year_from after year_to is an empty range: it matches nothing, as a range query does.
        return filters
    }

    static func countries(_ parameters: Parameters) throws -> [String] {
        try values(parameters, "country") { text in
            let upper = text.uppercased()
            return upper.count == 2 && upper.allSatisfy({ $0.isASCII && $0.isLetter }) ? upper : nil
        }
    }

    /// Comma-separated or repeated values, each parsed by `make`.
    static func values<Value>(
        _ parameters: Parameters,
        _ name: String,
        allowed: [String]? = nil,
        _ make: (String) -> Value?
    ) throws -> [Value] {
        let raw = parameters.getAll(name).flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { String($0) }
        if raw.count > 50 { throw Problem.badParameter(name, "more than 50 values") }
        if raw.contains("") { throw Problem.badParameter(name, "has an empty value") }
        return try raw.map { text in
            guard let value = make(text) else {
                let choices = allowed.map { "; one of: " + $0.joined(separator: ", ") } ?? ""
                throw Problem.badParameter(name, "'\(text.prefix(64))' is not a valid value\(choices)")
            }
            return value
        }
    }

    static func integer(_ parameters: Parameters, _ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text = parameters.get(name) else { return nil }
        guard let value = Int(text) else { throw Problem.badParameter(name, "'\(text.prefix(64))' is not an integer") }
        guard range.contains(value) else {
            throw Problem.badParameter(name, "\(value) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }
}
