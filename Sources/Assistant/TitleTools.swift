// Why one file: the MCP tool catalogue: each tool's schema sits next to the code that answers it.

import Embeddings
import Foundation
import MCP
import MediaModel
import Search
import Snapshots

/// The snapshot the tools answer from: the one current now, so that a hot swap applies to the
/// next call exactly as to `/v1/search`.
public struct ServedSnapshot: Sendable {
    public var name: String
    public var snapshot: Snapshot
    public var engine: SearchEngine

    public init(name: String, snapshot: Snapshot, engine: SearchEngine? = nil) {
        self.name = name
        self.snapshot = snapshot
        self.engine = engine ?? SearchEngine(snapshot: snapshot)
    }
}

/// The assistant's tools over a snapshot: what each takes (a JSON Schema), and what it answers
/// (a structured result and a short text). Transport-free: `AssistantServer` puts them on MCP.
public struct TitleTools: Sendable {
    /// The current snapshot, or an error that says why there is none.
    public var current: @Sendable () throws -> ServedSnapshot
    /// Embeds query text for semantic and hybrid search; nil searches lexically.
    public var embedder: (any Embedder)?

    public init(embedder: (any Embedder)?, current: @escaping @Sendable () throws -> ServedSnapshot) {
        self.embedder = embedder
        self.current = current
    }

    /// A tool's mistake in its arguments or a missing title: an error result the model can read
    /// and correct, not a protocol failure.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    static let filterProperties: [String: Value] = [
        "kind": .object([
            "type": "string", "enum": .array(TitleKind.allCases.map { .string($0.rawValue) }),
            "description": "movie, series, season, episode, short or video",
        ]),
        "genre": .object([
            "type": "string", "enum": .array(Genre.allCases.map { .string($0.rawValue) }),
            "description": "a canonical genre id",
        ]),
        "country": .object([
            "type": "string", "pattern": "^[A-Za-z]{2}$",
            "description": "ISO 3166-1 alpha-2 country of an offer, such as US or DE",
        ]),
        "service": .object(["type": "string", "description": "service id of an offer, such as netflix"]),
        "monetization": .object([
            "type": "string", "enum": .array(Monetization.allCases.map { .string($0.rawValue) }),
            "description": "how an offer is paid for",
        ]),
        "year_from": .object(["type": "integer", "description": "earliest year"]),
        "year_to": .object(["type": "integer", "description": "latest year"]),
    ]

    public static let definitions: [Tool] = [
        Tool(
            name: "search_titles",
            description:
                "Search the catalog of films and series by words, meaning, people or filters; the same search as "
                + "GET /v1/search. Returns the best titles with where they can be watched.",
            inputSchema: .object([
                "type": "object",
                "properties": .object(
                    filterProperties.merging([
                        "query": .object([
                            "type": "string", "description": "what to look for; may be empty with filters",
                        ]),
                        "mode": .object([
                            "type": "string", "enum": ["lexical", "semantic", "hybrid"],
                            "description": "ranking (default hybrid)",
                        ]),
                        "limit": .object(["type": "integer", "minimum": 1, "maximum": 50, "description": "default 10"]),
                    ]) { $1 }
                ),
                "additionalProperties": false,
            ]),
            annotations: .init(readOnlyHint: true, openWorldHint: false)
        ),
        Tool(
            name: "get_title",
            description: "One title by its id (mg…): everything the index knows, with every offer.",
            inputSchema: .object([
                "type": "object", "properties": .object(["id": .object(["type": "string"])]), "required": ["id"],
                "additionalProperties": false,
            ]),
            annotations: .init(readOnlyHint: true, openWorldHint: false)
        ),
        Tool(
            name: "where_to_watch",
            description:
                "Where a title can be watched: its offers (service, how it is paid for, price, link, expiry), "
                + "optionally in one country and paid for in one way. Name the title or give its id.",
            inputSchema: .object([
                "type": "object",
                "properties": .object([
                    "title": .object(["type": "string", "description": "the title's name, as the user said it"]),
                    "id": .object(["type": "string", "description": "the title's id, when known"]),
                    "country": filterProperties["country"]!,
                    "monetization": filterProperties["monetization"]!,
                ]),
                "additionalProperties": false,
            ]),
            annotations: .init(readOnlyHint: true, openWorldHint: false)
        ),
        Tool(
            name: "similar_titles",
            description: "Titles like one title, by meaning (needs a snapshot with vectors).",
            inputSchema: .object([
                "type": "object",
                "properties": .object(
                    filterProperties.merging([
                        "id": .object(["type": "string"]),
                        "limit": .object(["type": "integer", "minimum": 1, "maximum": 50]),
                    ]) { $1 }
                ),
                "required": ["id"], "additionalProperties": false,
            ]),
            annotations: .init(readOnlyHint: true, openWorldHint: false)
        ),
        availabilityTool(
            "leaving_soon",
            "Titles whose offers end soon (leaving a service), soonest first, with the offers that end; "
                + "the same as GET /v1/leaving.",
            days: "offers ending within this many days (default 30)"
        ),
        availabilityTool(
            "new_arrivals",
            "Titles whose offers started recently (new on a service), newest first, with those offers; "
                + "the same as GET /v1/new.",
            days: "offers that started within this many days (default 7)"
        ),
        Tool(
            name: "snapshot_info",
            description: "Which snapshot is served: its name, build time, title and offer counts, and capabilities.",
            inputSchema: .object(["type": "object", "properties": .object([:]), "additionalProperties": false]),
            annotations: .init(readOnlyHint: true, openWorldHint: false)
        ),
    ]

    static func availabilityTool(_ name: String, _ description: String, days: String) -> Tool {
        Tool(
            name: name,
            description: description,
            inputSchema: .object([
                "type": "object",
                "properties": .object(
                    filterProperties.merging([
                        "days": .object([
                            "type": "integer", "minimum": 0, "maximum": 3650, "description": .string(days),
                        ]),
                        "limit": .object(["type": "integer", "minimum": 1, "maximum": 50, "description": "default 10"]),
                    ]) { $1 }
                ),
                "additionalProperties": false,
            ]),
            annotations: .init(readOnlyHint: true, openWorldHint: false)
        )
    }

    /// Runs tool `name`; a ``Refusal`` is the caller's to report as an error result.
    public func call(_ name: String, _ arguments: [String: Value]) async throws -> ToolAnswer {
        let served = try current()
        switch name {
        case "search_titles": return try await searchTitles(arguments, served)
        case "get_title": return try getTitle(arguments, served)
        case "where_to_watch": return try await whereToWatch(arguments, served)
        case "similar_titles": return try similarTitles(arguments, served)
        case "snapshot_info": return try snapshotInfo(arguments, served)
        case "leaving_soon": return try availability(arguments, served, order: .soonestExpiry)
        case "new_arrivals": return try availability(arguments, served, order: .newestStart)
        default:
            throw Refusal(
                description: "unknown tool '\(name)'; tools: \(Self.definitions.map(\.name).joined(separator: ", "))"
            )
        }
    }

    // MARK: - Tools

    struct Hit: Codable {
        var id: String
        var title: String
        var year: Int?
        var kind: String
        var score: Double
        var offers: [Offer]
    }

    /// The page's titles, each with the offers that match the filters.
    static func hits(_ results: SearchResults, _ filters: SearchFilters, _ served: ServedSnapshot) throws -> [Hit] {
        try results.hits.map { hit in
            let title = try served.snapshot.title(hit.document)
            return Hit(
                id: title.id,
                title: title.title,
                year: title.year,
                kind: title.kind.rawValue,
                score: hit.score,
                offers: matching(title.offers, filters)
            )
        }
    }

    struct SearchOutput: Codable {
        var query: String
        var mode: String
        var total: Int
        var snapshot: String
        var notice: String?
        var results: [Hit]
    }

    private func searchTitles(_ arguments: [String: Value], _ served: ServedSnapshot) async throws -> ToolAnswer {
        try Self.checkNames(arguments, Set(Self.filterProperties.keys).union(["query", "mode", "limit"]))
        let text = try Self.string(arguments, "query") ?? ""
        if let problem = SearchQuery.textLengthProblem(text) { throw Refusal(description: "query \(problem)") }
        var query = SearchQuery(
            text: text,
            filters: try Self.filters(arguments),
            limit: try Self.integer(arguments, "limit", in: 1...50) ?? 10
        )
        if let mode = try Self.string(arguments, "mode") {
            guard let parsed = SearchMode(rawValue: mode) else {
                throw Refusal(description: "mode '\(mode)' is not one of lexical, semantic, hybrid")
            }
            query.mode = parsed
        }
        let notice = try await embed(&query, served)
        let results = try served.engine.search(query)
        let hits = try Self.hits(results, query.filters, served)
        let output = SearchOutput(
            query: text,
            mode: results.mode.rawValue,
            total: results.total,
            snapshot: served.snapshot.metadata.buildID,
            notice: notice,
            results: hits
        )
        var lines = ["\(results.total) matches (\(results.mode.rawValue))" + (notice.map { "; \($0)" } ?? "")]
        for (rank, hit) in hits.enumerated() {
            let services = Set(hit.offers.map(\.service)).sorted().joined(separator: ", ")
            lines.append(
                "\(rank + 1). \(hit.title)\(hit.year.map { " (\($0))" } ?? "") [\(hit.kind)] \(hit.id)"
                    + (services.isEmpty ? "" : " — \(services)")
            )
        }
        return try ToolAnswer(
            content: [Self.text(lines.joined(separator: "\n"))],
            structured: output
        )
    }

    /// Sets the query vector when the mode and snapshot allow it; returns a notice when the
    /// ranking falls back to lexical.
    private func embed(_ query: inout SearchQuery, _ served: ServedSnapshot) async throws -> String? {
        guard query.mode != .lexical, !query.text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        var problem: String?
        if let vectors = served.engine.vectorSearch {
            if let embedder, embedder.modelID == vectors.modelID {
                query.vector = try await embedder.embed([query.text]).first
                return nil
            }
            problem =
                embedder.map { "the snapshot's vectors come from \(vectors.modelID), not \($0.modelID)" }
                ?? "no embedding model is installed"
        } else {
            problem = "the snapshot has no vectors"
        }
        if query.mode == .semantic { throw Refusal(description: "semantic search is unavailable: \(problem!)") }
        return "semantic ranking is unavailable (\(problem!)); results are lexical"
    }

    private func getTitle(_ arguments: [String: Value], _ served: ServedSnapshot) throws -> ToolAnswer {
        try Self.checkNames(arguments, ["id"])
        let title = try Self.title(try Self.required(arguments, "id"), served)
        let text =
            "\(title.title)\(title.year.map { " (\($0))" } ?? "") [\(title.kind.rawValue)] \(title.id)"
            + (title.overview.map { "\n\($0)" } ?? "") + "\n\(title.offers.count) offers"
        return try ToolAnswer(content: [Self.text(text)], structured: title)
    }

    struct WhereToWatch: Codable {
        var id: String
        var title: String
        var year: Int?
        /// Offers grouped by country.
        var countries: [String: [Offer]]
        var snapshot: String
    }

    private func whereToWatch(_ arguments: [String: Value], _ served: ServedSnapshot) async throws -> ToolAnswer {
        try Self.checkNames(arguments, ["title", "id", "country", "monetization"])
        var filters = SearchFilters()
        if let country = try Self.string(arguments, "country") {
            guard country.count == 2, country.allSatisfy(\.isLetter) else {
                throw Refusal(description: "country '\(country)' is not a two-letter ISO 3166-1 code such as US")
            }
            filters.countries = [country.uppercased()]
        }
        if let monetization = try Self.enumeration(arguments, "monetization", Monetization.self) {
            filters.monetizations = [monetization]
        }
        let title: CanonicalTitle
        if let id = try Self.string(arguments, "id") {
            title = try Self.title(id, served)
        } else if let name = try Self.string(arguments, "title") {
            // The best lexical match for the name, as a person would look it up.
            var query = SearchQuery(text: name, limit: 1)
            query.mode = .lexical
            guard let hit = try served.engine.search(query).hits.first else {
                throw Refusal(description: "no title matches '\(name)'")
            }
            title = try served.snapshot.title(hit.document)
        } else {
            throw Refusal(description: "give the title's name ('title') or its id ('id')")
        }
        let offers = Self.matching(title.offers, filters)
        let output = WhereToWatch(
            id: title.id,
            title: title.title,
            year: title.year,
            countries: Dictionary(grouping: offers, by: \.country),
            snapshot: served.snapshot.metadata.buildID
        )
        var lines = ["\(title.title)\(title.year.map { " (\($0))" } ?? "") \(title.id): \(offers.count) offers"]
        for offer in offers {
            var line = "- \(offer.country) \(offer.service) \(offer.monetization.rawValue)"
            if let price = offer.price { line += " \(price.amountText) \(price.currency)" }
            if let expires = offer.expiresOn { line += ", until \(expires.prefix(10))" }
            if let url = offer.webURL { line += " \(url)" }
            lines.append(line)
        }
        if offers.isEmpty { lines.append("no offer matches; without filters it has \(title.offers.count)") }
        return try ToolAnswer(
            content: [Self.text(lines.joined(separator: "\n"))],
            structured: output
        )
    }

    struct AvailabilityOutput: Codable {
        struct Entry: Codable {
            var id: String
            var title: String
            var year: Int?
            var kind: String
            /// The first matched offer's end (leaving) or start (new).
            var day: String
            var offers: [Offer]
        }
        var from: String
        var to: String
        var total: Int
        var results: [Entry]
        var snapshot: String
    }

    /// `leaving_soon` and `new_arrivals`: the window from today, the filters, one page.
    private func availability(
        _ arguments: [String: Value],
        _ served: ServedSnapshot,
        order: AvailabilityIndex.Order
    ) throws -> ToolAnswer {
        try Self.checkNames(arguments, Set(Self.filterProperties.keys).union(["days", "limit"]))
        var filters = try Self.filters(arguments)
        let today = Day(Date())
        let days = try Self.integer(arguments, "days", in: 0...3650) ?? (order == .soonestExpiry ? 30 : 7)
        let range = order == .soonestExpiry ? today...today.adding(days: days) : today.adding(days: -days)...today
        if order == .soonestExpiry { filters.expires = range } else { filters.availableSince = range }
        let (hits, total) = try served.engine.availability(
            filters,
            order: order,
            offset: 0,
            limit: try Self.integer(arguments, "limit", in: 1...50) ?? 10
        )
        let entries = try hits.map { hit in
            let title = try served.snapshot.title(hit.doc)
            return AvailabilityOutput.Entry(
                id: title.id,
                title: title.title,
                year: title.year,
                kind: title.kind.rawValue,
                day: hit.day.description,
                offers: hit.offers.compactMap { title.offers.indices.contains($0) ? title.offers[$0] : nil }
            )
        }
        let verb = order == .soonestExpiry ? "leaving" : "new"
        var lines = ["\(total) titles \(verb) from \(range.lowerBound) to \(range.upperBound)"]
        for entry in entries {
            let where_ = entry.offers.map { "\($0.country) \($0.service) \($0.monetization.rawValue)" }
            lines.append(
                "- \(entry.day): \(entry.title)\(entry.year.map { " (\($0))" } ?? "") \(entry.id) — "
                    + where_.joined(separator: "; ")
            )
        }
        let output = AvailabilityOutput(
            from: range.lowerBound.description,
            to: range.upperBound.description,
            total: total,
            results: entries,
            snapshot: served.snapshot.metadata.buildID
        )
        return try ToolAnswer(
            content: [Self.text(lines.joined(separator: "\n"))],
            structured: output
        )
    }

    private func similarTitles(_ arguments: [String: Value], _ served: ServedSnapshot) throws -> ToolAnswer {
        try Self.checkNames(arguments, Set(Self.filterProperties.keys).union(["id", "limit"]))
        let id = try Self.required(arguments, "id")
        guard let doc = served.snapshot.document(forID: id, followAliases: true) else {
            throw Refusal(description: "no title with id '\(id)'")
        }
        let query = SearchQuery(
            text: "",
            filters: try Self.filters(arguments),
            limit: try Self.integer(arguments, "limit", in: 1...50) ?? 10
        )
        guard let results = try served.engine.similar(to: doc, query) else {
            throw Refusal(description: "the snapshot \(served.name) has no vectors, so similar titles are unavailable")
        }
        let hits = try Self.hits(results, query.filters, served)
        let text = hits.enumerated().map { "\($0 + 1). \($1.title)\($1.year.map { " (\($0))" } ?? "") \($1.id)" }
        return try ToolAnswer(
            content: [Self.text(text.isEmpty ? "no similar titles" : text.joined(separator: "\n"))],
            structured: ["results": hits]
        )
    }

    struct SnapshotOutput: Codable {
        var name: String
        var metadata: SnapshotMetadata
        var semantic: Bool
    }

    private func snapshotInfo(_ arguments: [String: Value], _ served: ServedSnapshot) throws -> ToolAnswer {
        try Self.checkNames(arguments, [])
        let meta = served.snapshot.metadata
        let semantic = served.engine.vectorSearch != nil && embedder?.modelID == served.engine.vectorSearch?.modelID
        let text =
            "snapshot \(served.name): \(meta.titleCount) titles, \(meta.offerCount) offers, built \(meta.builtAt); "
            + (semantic ? "semantic search on" : "lexical search only")
        let output = SnapshotOutput(name: served.name, metadata: meta, semantic: semantic)
        return try ToolAnswer(content: [Self.text(text)], structured: output)
    }

    /// A text part of a result.
    static func text(_ text: String) -> Tool.Content {
        .text(text: text, annotations: nil, _meta: nil)
    }

    // MARK: - Arguments

    static func checkNames(_ arguments: [String: Value], _ known: Set<String>) throws {
        for name in arguments.keys.sorted() where !known.contains(name) {
            var message = "unknown argument '\(name)'"
            if let near = Spelling.nearest(to: name, in: known.sorted()) { message += " (did you mean '\(near)'?)" }
            throw Refusal(description: message + "; arguments: \(known.sorted().joined(separator: ", "))")
        }
    }

    static func string(_ arguments: [String: Value], _ name: String) throws -> String? {
        guard let value = arguments[name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw Refusal(description: "'\(name)' must be a string") }
        return text.isEmpty ? nil : text
    }

    static func required(_ arguments: [String: Value], _ name: String) throws -> String {
        guard let text = try string(arguments, name) else { throw Refusal(description: "'\(name)' is required") }
        return text
    }

    static func integer(_ arguments: [String: Value], _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = arguments[name], !value.isNull else { return nil }
        let number = value.intValue ?? value.doubleValue.flatMap { $0 == $0.rounded() ? Int(exactly: $0) : nil }
        guard let number, range.contains(number) else {
            throw Refusal(
                description: "'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)"
            )
        }
        return number
    }

    static func enumeration<T: RawRepresentable & CaseIterable>(_ arguments: [String: Value], _ name: String, _: T.Type)
        throws -> T? where T.RawValue == String
    {
        guard let text = try string(arguments, name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw Refusal(
                description: "\(name) '\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return value
    }

    static func filters(_ arguments: [String: Value]) throws -> SearchFilters {
        var filters = SearchFilters()
        if let kind = try enumeration(arguments, "kind", TitleKind.self) { filters.kinds = [kind] }
        if let genre = try enumeration(arguments, "genre", Genre.self) { filters.genres = [genre] }
        if let monetization = try enumeration(arguments, "monetization", Monetization.self) {
            filters.monetizations = [monetization]
        }
        if let country = try string(arguments, "country") { filters.countries = [country.uppercased()] }
        if let service = try string(arguments, "service") { filters.services = [service] }
        filters.yearFrom = try integer(arguments, "year_from", in: 0...9999)
        filters.yearTo = try integer(arguments, "year_to", in: 0...9999)
        return filters
    }

    static func title(_ id: String, _ served: ServedSnapshot) throws -> CanonicalTitle {
        guard id.count <= 64, let doc = served.snapshot.document(forID: id, followAliases: true) else {
            throw Refusal(description: "no title with id '\(id)' in snapshot \(served.name)")
        }
        return try served.snapshot.title(doc)
    }

    /// The offers that satisfy the country, service and monetization filters.
    static func matching(_ offers: [Offer], _ filters: SearchFilters) -> [Offer] {
        offers.filter { offer in
            (filters.countries.isEmpty || filters.countries.contains(offer.country))
                && (filters.services.isEmpty || filters.services.contains(offer.service))
                && (filters.monetizations.isEmpty || filters.monetizations.contains(offer.monetization))
        }
    }
}
