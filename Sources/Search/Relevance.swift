import Foundation
import MediaModel

/// One query of a relevance set (docs/formats/eval-queries.md): its text and filters, what kind
/// of query it is, and the titles that are right answers.
public struct RelevanceQuery: Sendable, Equatable {
    public var id: String
    public var kind: String
    public var text: String
    /// Right answers, each an IMDb id (`imdb:tt…`), a canonical id (`mg…`) or a source record
    /// key (`source:id`); all equally relevant.
    public var relevant: [String]
    public var filters: SearchFilters
    /// The filters as written (`genre=drama&year_from=1990`), for a daemon's query string.
    public var filterText: String

    /// Parses a query file; `file` names it in errors, which also give the line.
    public static func parse(_ text: String, file: String) throws -> [RelevanceQuery] {
        var queries: [RelevanceQuery] = []
        var ids = Set<String>()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let at = "\(file):\(index + 1)"
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard (4...5).contains(fields.count) else {
                throw MediaError(
                    .badInput,
                    "\(at): \(fields.count) tab-separated fields; want id, kind, query, relevant and optional filters"
                )
            }
            let relevant = fields[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            guard !fields[0].isEmpty, ids.insert(fields[0]).inserted else {
                throw MediaError(.badInput, "\(at): the query id '\(fields[0])' is empty or used before")
            }
            guard !relevant.isEmpty else { throw MediaError(.badInput, "\(at): no relevant title is named") }
            let filterText = fields.count == 5 ? fields[4] : ""
            let filters: SearchFilters
            do {
                filters = try Self.filters(filterText)
            } catch let error as MediaError {
                throw MediaError(.badInput, "\(at): \(error.message)")
            }
            queries.append(
                RelevanceQuery(
                    id: fields[0],
                    kind: fields[1].isEmpty ? "query" : fields[1],
                    text: fields[2],
                    relevant: relevant,
                    filters: filters,
                    filterText: filterText
                )
            )
        }
        return queries
    }

    /// `genre=drama&year_from=1990`: the filter names of `GET /v1/search`, values comma-separated.
    static func filters(_ text: String) throws -> SearchFilters {
        var filters = SearchFilters()
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0]
            let values = parts.count == 2 ? parts[1].split(separator: ",").map(String.init) : []
            func parsed<Value>(_ make: (String) -> Value?) throws -> [Value] {
                try values.map {
                    guard let value = make($0) else { throw MediaError(.badInput, "'\($0)' is not a valid \(name)") }
                    return value
                }
            }
            func year() throws -> Int {
                guard values.count == 1, let year = Int(values[0]) else {
                    throw MediaError(.badInput, "\(name) wants one year")
                }
                return year
            }
            switch name {
            case "kind": filters.kinds = try parsed(TitleKind.init(rawValue:))
            case "genre": filters.genres = try parsed(Genre.init(rawValue:))
            case "monetization": filters.monetizations = try parsed(Monetization.init(rawValue:))
            case "country": filters.countries = values.map { $0.uppercased() }
            case "service": filters.services = values
            case "year_from": filters.yearFrom = try year()
            case "year_to": filters.yearTo = try year()
            default:
                throw MediaError(
                    .badInput,
                    "unknown filter '\(name)'; known: country, genre, kind, monetization, service, year_from, year_to"
                )
            }
        }
        return filters
    }
}

/// Ranking quality over a set of queries: the means of hit@1, hit@10, MRR@10 and nDCG@10
/// (binary relevance; the ideal ranking puts every right answer first).
public struct RelevanceMetrics: Sendable, Equatable, Encodable {
    public private(set) var queries = 0
    private var sums = [0.0, 0.0, 0.0, 0.0]

    public init() {}

    public var hitAt1: Double { mean(0) }
    public var hitAt10: Double { mean(1) }
    public var mrrAt10: Double { mean(2) }
    public var ndcgAt10: Double { mean(3) }

    private func mean(_ index: Int) -> Double { queries == 0 ? 0 : sums[index] / Double(queries) }

    /// Adds one query, given whether each of its ranked hits (best first) is a right answer and
    /// how many right answers there are.
    public mutating func add(_ hits: [Bool], relevantCount: Int) {
        let top = hits.prefix(10)
        let first = top.firstIndex(of: true)
        var gain = 0.0
        for (index, relevant) in top.enumerated() where relevant { gain += 1 / log2(Double(index) + 2) }
        let ideal = (0..<min(max(relevantCount, 1), 10)).reduce(0.0) { $0 + 1 / log2(Double($1) + 2) }
        sums[0] += top.first == true ? 1 : 0
        sums[1] += first == nil ? 0 : 1
        sums[2] += first.map { 1 / Double($0 + 1) } ?? 0
        sums[3] += gain / ideal
        queries += 1
    }

    enum CodingKeys: String, CodingKey { case queries, hitAt1, hitAt10, mrrAt10, ndcgAt10 }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(queries, forKey: .queries)
        try container.encode(hitAt1, forKey: .hitAt1)
        try container.encode(hitAt10, forKey: .hitAt10)
        try container.encode(mrrAt10, forKey: .mrrAt10)
        try container.encode(ndcgAt10, forKey: .ndcgAt10)
    }
}

/// The figures of one evaluation run: per mode, over all queries and per kind, with latencies.
public struct RelevanceReport: Sendable, Encodable {
    public struct ModeReport: Sendable, Encodable {
        public var all = RelevanceMetrics()
        public var kinds: [String: RelevanceMetrics] = [:]
        /// Per query in milliseconds, embedding the query text included.
        public var p50Milliseconds = 0.0
        public var p99Milliseconds = 0.0
        fileprivate var latencies: [Double] = []

        enum CodingKeys: String, CodingKey { case all, kinds, p50Milliseconds, p99Milliseconds }
    }

    public var modes: [String: ModeReport] = [:]
    /// Mode names in the order they ran.
    public var order: [String] = []

    public init() {}

    /// Records one query's result under `mode`.
    public mutating func add(mode: String, kind: String, hits: [Bool], relevantCount: Int, milliseconds: Double) {
        if modes[mode] == nil { order.append(mode) }
        modes[mode, default: ModeReport()].all.add(hits, relevantCount: relevantCount)
        modes[mode, default: ModeReport()].kinds[kind, default: RelevanceMetrics()].add(
            hits,
            relevantCount: relevantCount
        )
        modes[mode, default: ModeReport()].latencies.append(milliseconds)
    }

    /// Computes the latency percentiles; call once after the last `add`.
    public mutating func finish() {
        for mode in order {
            let sorted = modes[mode]!.latencies.sorted()
            guard !sorted.isEmpty else { continue }
            modes[mode]!.p50Milliseconds = sorted[(sorted.count - 1) / 2]
            modes[mode]!.p99Milliseconds =
                sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.99).rounded(.up)) - 1)]
        }
    }

    /// A table per mode: one row for all queries, then one per kind (alphabetical).
    public func table() -> String {
        var lines = ["mode      kind          queries  hit@1  hit@10  MRR@10  nDCG@10"]
        func row(_ mode: String, _ kind: String, _ m: RelevanceMetrics) -> String {
            let figures = [m.hitAt1, m.hitAt10, m.mrrAt10, m.ndcgAt10].map { String(format: "%.3f", $0) }
            return mode.padding(toLength: 10, withPad: " ", startingAt: 0)
                + kind.padding(toLength: 14, withPad: " ", startingAt: 0)
                + String(m.queries).leftPadded(7) + "  " + figures.map { $0.leftPadded(5) }.joined(separator: "   ")
        }
        for mode in order {
            let report = modes[mode]!
            lines.append(row(mode, "all", report.all))
            for kind in report.kinds.keys.sorted() { lines.append(row(mode, kind, report.kinds[kind]!)) }
            lines.append(
                "          latency per query: p50 \(String(format: "%.2f", report.p50Milliseconds)) ms, "
                    + "p99 \(String(format: "%.2f", report.p99Milliseconds)) ms"
            )
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// The string right-aligned in `width` characters (never cut).
    public func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
