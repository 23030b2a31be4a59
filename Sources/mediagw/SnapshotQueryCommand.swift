import ArgumentParser
import Embeddings
import Foundation
import MediaModel
import ObjectStore
import Search
import Snapshots

/// Search filters as command-line options, shared by `snapshot query` and the benchmark.
struct FilterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Kind filter (movie, series, …); repeatable.", valueName: "kind")) var kind:
        [TitleKind] = []
    @Option(help: ArgumentHelp("Genre filter (canonical id); repeatable.", valueName: "genre")) var genre: [Genre] = []
    @Option(help: ArgumentHelp("Earliest year.", valueName: "year")) var yearFrom: Int?
    @Option(help: ArgumentHelp("Latest year.", valueName: "year")) var yearTo: Int?
    @Option(help: ArgumentHelp("Offer country (ISO 3166-1 alpha-2); repeatable.", valueName: "code")) var country:
        [String] = []
    @Option(help: ArgumentHelp("Offer service id; repeatable.", valueName: "id")) var service: [String] = []
    @Option(help: ArgumentHelp("Offer monetization; repeatable.", valueName: "type")) var monetization: [Monetization] =
        []
    @Option(help: ArgumentHelp("An offer (the same one) started on or after this day.", valueName: "YYYY-MM-DD"))
    var availableSinceFrom: Day?
    @Option(help: ArgumentHelp("…started on or before this day.", valueName: "YYYY-MM-DD")) var availableSinceTo: Day?
    @Option(help: ArgumentHelp("An offer (the same one) ends on or after this day.", valueName: "YYYY-MM-DD"))
    var expiresFrom: Day?
    @Option(help: ArgumentHelp("…ends on or before this day.", valueName: "YYYY-MM-DD")) var expiresTo: Day?

    var filters: SearchFilters {
        var filters = SearchFilters()
        filters.kinds = kind
        filters.genres = genre
        filters.yearFrom = yearFrom
        filters.yearTo = yearTo
        filters.countries = country.map { $0.uppercased() }
        filters.services = service
        filters.monetizations = monetization
        filters.availableSince = Day.window(from: availableSinceFrom, to: availableSinceTo)
        filters.expires = Day.window(from: expiresFrom, to: expiresTo)
        return filters
    }
}

/// The ranking's constants as `--tune NAME=VALUE`, shared by `snapshot query`, `serve` and `eval`.
struct RankingOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Set a ranking constant (\(RankingTuning.names.joined(separator: ", "))); repeatable. The defaults are "
                + "tuned on the relevance set (docs/benchmarks.md).",
            valueName: "name=value"
        )
    )
    var tune: [String] = []
    @Option(help: .hidden) var fusionK: Int?

    func validate() throws {
        _ = try tuning()
        if fusionK != nil {
            FileHandleOutput.standardError(
                "mediagw: --fusion-k no longer applies: hybrid search combines normalized scores "
                    + "(docs/decisions/0015-hybrid-ranking.md); see --tune"
            )
        }
    }

    /// The defaults with every `--tune` applied.
    func tuning() throws -> RankingTuning {
        var tuning = RankingTuning()
        for setting in tune {
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--tune \(setting): want NAME=VALUE") }
            do {
                try tuning.set(parts[0], parts[1])
            } catch let error as MediaError {
                throw ValidationError("--tune \(error.message)")
            }
        }
        return tuning
    }
}

extension SearchSort: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

extension Day: ExpressibleByArgument {
    public init?(argument: String) { self.init(exactly: argument) }
}

extension TitleKind: ExpressibleByArgument {}
extension Genre: ExpressibleByArgument {}
extension Monetization: ExpressibleByArgument {}
extension FacetField: ExpressibleByArgument {}
extension SearchMode: ExpressibleByArgument {}

struct SnapshotQueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Search a snapshot offline, as the daemon would."
    )

    @Argument(
        help: ArgumentHelp(
            "Snapshot file or s3://BUCKET/PREFIX[/NAME] (default: the current one in --snapshots). A single "
                + "argument that is neither is the query text.",
            valueName: "file"
        )
    )
    var fileArgument: String?
    @Argument(help: ArgumentHelp("Query text (may be empty when filters are given).", valueName: "text"))
    var textArgument: String?
    @Option(help: ArgumentHelp("Directory whose CURRENT snapshot is used when no file is given.", valueName: "dir"))
    var snapshots: String = Environment.value("MEDIAGW_SNAPSHOTS") ?? "snapshots"
    @OptionGroup var filterOptions: FilterOptions
    @Option(help: ArgumentHelp("Results per page (1–100).", valueName: "n")) var limit = 10
    @Option(help: ArgumentHelp("Results to skip.", valueName: "n")) var offset = 0
    @Option(
        help: "Count a facet over all matches (kind, year, genre, country, service, monetization, offer); repeatable."
    )
    var facet: [FacetField] = []
    @Option(
        help: ArgumentHelp(
            "Ranking: lexical, semantic or hybrid (lexical and vector results fused).",
            valueName: "mode"
        )
    ) var mode: SearchMode =
        .hybrid
    @OptionGroup var ranking: RankingOptions
    @Option(
        help: ArgumentHelp(
            "Order: relevance, or expires, available_since, year or title (a leading - for descending).",
            valueName: "order"
        )
    )
    var sort: SearchSort = .relevance
    @Option(help: ArgumentHelp("Titles similar to this title id instead of a text search.", valueName: "id"))
    var similarTo: String?
    @Flag(help: "Print results as JSON lines.") var json = false
    @Flag(help: "Say why each hit ranked: lexical score and matched terms, similarity, the parts of a hybrid score.")
    var explain = false
    @OptionGroup var embedding: EmbeddingOptions
    @OptionGroup var store: ObjectStoreOptions

    /// `query jaws` searches the current snapshot for "jaws"; `query FILE jaws` searches FILE.
    private var oneArgumentIsText: Bool {
        guard textArgument == nil, let fileArgument else { return false }
        return !S3Location.isLocation(fileArgument) && !FileManager.default.fileExists(atPath: fileArgument)
    }

    var text: String { (oneArgumentIsText ? fileArgument : textArgument) ?? "" }

    var fileOptions: SnapshotFileOptions {
        SnapshotFileOptions(file: oneArgumentIsText ? nil : fileArgument, snapshots: snapshots, store: store)
    }

    func validate() throws {
        guard (1...SearchQuery.maximumLimit).contains(limit) else {
            throw ValidationError("--limit must be 1…\(SearchQuery.maximumLimit)")
        }
        guard offset >= 0 else { throw ValidationError("--offset must not be negative") }
        if let problem = SearchQuery.textLengthProblem(text) { throw ValidationError("the query text \(problem)") }
    }

    /// The embedded query text, or nil when ranking is lexical; explains a fallback on stderr.
    private func queryVector(_ engine: SearchEngine) async throws -> [Float]? {
        guard mode != .lexical, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        var problem: String?
        if let vectors = engine.vectorSearch {
            do {
                let embedder = try await embedding.makeEmbedder()
                if embedder.modelID == vectors.modelID { return try await embedder.embed([text]).first }
                problem = "the snapshot's vectors come from \(vectors.modelID), not \(embedder.modelID)"
            } catch {
                problem = "\(error)"
            }
        } else {
            problem =
                "the snapshot has no vectors (\(engine.snapshot.metadata.withoutVectors ?? "built with --no-embeddings"))"
        }
        if mode == .semantic { throw MediaError(.badInput, "semantic search is unavailable: \(problem!)") }
        FileHandleOutput.standardError("mediagw: ranking lexically: \(problem!)")
        return nil
    }

    func run() async throws {
        try await exitOnError {
            let snapshot = try await fileOptions.openVerified()
            let file = fileArgument.flatMap { S3Location.isLocation($0) ? $0 : nil } ?? snapshot.path
            var query = SearchQuery(text: text, filters: filterOptions.filters, limit: limit, offset: offset)
            query.facets = facet
            query.mode = mode
            query.tuning = try ranking.tuning()
            query.explain = explain
            query.sort = sort
            let engine = SearchEngine(snapshot: snapshot)
            let results: SearchResults
            if let similarTo {
                guard let doc = snapshot.document(forID: similarTo, followAliases: true) else {
                    throw MediaError(.notFound, "no title with id \(similarTo) in \(file)")
                }
                guard let similar = try engine.similar(to: doc, query) else {
                    throw MediaError(
                        .badInput,
                        "snapshot \(file) has no vectors (\(snapshot.metadata.withoutVectors ?? "built with --no-embeddings"))"
                    )
                }
                results = similar
            } else {
                query.vector = try await queryVector(engine)
                results = try engine.search(query)
            }
            if !json { print("\(results.total) matches (\(results.mode.rawValue))") }
            for (rank, hit) in results.hits.enumerated() {
                let title = try snapshot.title(hit.document)
                if json {
                    struct Line: Encodable {
                        var rank: Int
                        var score: Double
                        var explanation: HitExplanation?
                        var title: CanonicalTitle
                    }
                    let line = Line(
                        rank: offset + rank + 1,
                        score: hit.score,
                        explanation: hit.explanation,
                        title: title
                    )
                    print(String(decoding: try JSONEncoder.compact.encode(line), as: UTF8.self))
                } else {
                    let year = title.year.map { " (\($0))" } ?? ""
                    let services = Set(title.offers.map(\.service)).sorted().joined(separator: ", ")
                    print(
                        "\(String(offset + rank + 1).leftPadded(3)). \(title.title)\(year) [\(title.kind.rawValue)] "
                            + "\(title.id) score \(String(format: "%.3f", hit.score))"
                            + (services.isEmpty ? "" : " — \(services)")
                    )
                    if let explanation = hit.explanation { print("     " + Self.describe(explanation)) }
                }
            }
            for field in facet {
                let counts = results.facets[field] ?? []
                if json {
                    struct FacetLine: Encodable {
                        var facet: String
                        var counts: [SearchResults.FacetCount]
                    }
                    let line = FacetLine(facet: field.rawValue, counts: counts)
                    print(String(decoding: try JSONEncoder.compact.encode(line), as: UTF8.self))
                } else {
                    print("\(field.rawValue): " + counts.map { "\($0.value) \($0.count)" }.joined(separator: ", "))
                }
            }
        }
    }

    /// One line: `lexical 7.81, 2/2 words (heat: heat exact in title) · similarity 0.41 · …`.
    static func describe(_ explanation: HitExplanation) -> String {
        var parts: [String] = []
        if let score = explanation.lexicalScore {
            let terms = explanation.matchedTerms.map { term in
                "\(term.word): \(term.term) \(term.match) in \(term.fields.joined(separator: ", "))"
            }
            parts.append(
                String(format: "lexical %.3f", score) + ", \(explanation.wordsMatched)/\(explanation.words) words ("
                    + terms.joined(separator: "; ") + ")"
            )
        } else if explanation.words > 0 {
            parts.append("no word matched")
        }
        if let boost = explanation.yearBoost { parts.append(String(format: "year ×%.2f", boost)) }
        if let similarity = explanation.similarity { parts.append(String(format: "similarity %.3f", similarity)) }
        if let textless = explanation.textlessPenalty { parts.append(String(format: "no overview −%.3f", textless)) }
        if let lexical = explanation.lexicalPart, let semantic = explanation.semanticPart,
            let weight = explanation.lexicalWeight
        {
            parts.append(String(format: "hybrid %.3f lexical + %.3f semantic (α %.2f)", lexical, semantic, weight))
        }
        return parts.joined(separator: " · ")
    }
}
