import ArgumentParser
import Embeddings
import Foundation
import HTTPClient
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import MediaModel
import Search
import Snapshots

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure search relevance: run a query file against a snapshot or a daemon.",
        discussion: """
            Prints hit@1, hit@10, MRR@10 and nDCG@10 per mode, over all queries and per query kind, \
            with the p50/p99 latency per query (embedding the query text included). The query file \
            format is in docs/formats/eval-queries.md; Benchmarks/relevance/ builds a real set.
            """
    )

    @Argument(help: ArgumentHelp("Query file (TSV: id, kind, query, relevant ids, filters).", valueName: "queries"))
    var queries: String
    @Option(help: ArgumentHelp("Snapshot file (default: the current one in --snapshots).", valueName: "file"))
    var snapshot: String?
    @Option(help: ArgumentHelp("Directory whose CURRENT snapshot is used.", valueName: "dir"))
    var snapshots: String = Environment.value("MEDIAGW_SNAPSHOTS") ?? "snapshots"
    @Option(help: ArgumentHelp("Ask a running daemon instead (its base URL).", valueName: "url"))
    var url: String?
    @Option(
        help: ArgumentHelp(
            "Ranking to measure; repeatable (default: lexical, semantic and hybrid, as the snapshot allows).",
            valueName: "mode"
        )
    )
    var mode: [SearchMode] = []
    @Option(help: ArgumentHelp("Only queries of this kind; repeatable.", valueName: "kind")) var kind: [String] = []
    @Option(
        help: ArgumentHelp(
            "Write one JSON line per query and mode (rank of the first right answer, top 3).",
            valueName: "file"
        )
    )
    var details: String?
    @Flag(help: "Print the figures as JSON.") var json = false
    @OptionGroup var ranking: RankingOptions
    @OptionGroup var embedding: EmbeddingOptions

    func validate() throws {
        if url != nil && snapshot != nil { throw ValidationError("give --snapshot or --url, not both") }
        if url != nil && !ranking.tune.isEmpty {
            throw ValidationError("--tune applies in process; give it to the daemon instead (mediagw serve --tune)")
        }
    }

    /// What one search returned, as the titles' identities.
    private struct Ranked {
        var titles: [CanonicalTitle]
        var milliseconds: Double
    }

    private static func isRelevant(_ title: CanonicalTitle, _ relevant: [String]) -> Bool {
        relevant.contains { id in
            id == title.id || title.externalIDs.imdb.map { "imdb:" + $0 == id } == true || title.members.contains(id)
        }
    }

    func run() async throws {
        try await exitOnError {
            let text: String
            do {
                text = try String(contentsOfFile: queries, encoding: .utf8)
            } catch {
                throw MediaError(.notFound, "cannot read the query file \(queries): \(error.localizedDescription)")
            }
            var set = try RelevanceQuery.parse(text, file: queries)
            if !kind.isEmpty { set = set.filter { kind.contains($0.kind) } }
            guard !set.isEmpty else { throw MediaError(.badInput, "\(queries) has no queries to run") }
            let tuning = try ranking.tuning()
            let search: (RelevanceQuery, SearchMode) async throws -> Ranked
            let modes: [SearchMode]
            let target: String
            if let url {
                guard let base = URL(string: url), base.scheme == "http" || base.scheme == "https" else {
                    throw MediaError(.usage, "--url \(url) is not an http(s) URL")
                }
                modes = mode.isEmpty ? SearchMode.allCases : mode
                target = url
                search = { query, mode in try await Self.daemonSearch(base, query, mode) }
            } else {
                let opened = try await SnapshotFileOptions(file: snapshot, snapshots: snapshots, store: .init())
                    .openVerified()
                let engine = SearchEngine(snapshot: opened)
                var embedder: (any Embedder)?
                if let vectors = engine.vectorSearch {
                    let made = try await embedding.makeEmbedder()
                    guard made.modelID == vectors.modelID else {
                        throw MediaError(
                            .badInput,
                            "the snapshot's vectors come from \(vectors.modelID), not \(made.modelID)"
                        )
                    }
                    embedder = made
                }
                let available: [SearchMode] = embedder == nil ? [.lexical] : SearchMode.allCases
                if let missing = mode.first(where: { !available.contains($0) }) {
                    throw MediaError(.badInput, "\(missing.rawValue) needs vectors; \(opened.path) has none")
                }
                modes = mode.isEmpty ? available : mode
                target = opened.path
                search = { query, mode in
                    let started = ContinuousClock.now
                    var request = SearchQuery(text: query.text, filters: query.filters, limit: 10)
                    request.mode = mode
                    request.tuning = tuning
                    if mode != .lexical { request.vector = try await embedder!.embed([query.text]).first }
                    let results = try engine.search(request)
                    let elapsed = ContinuousClock.now - started
                    return Ranked(
                        titles: try results.hits.map { try opened.title($0.document) },
                        milliseconds: elapsed.seconds * 1000
                    )
                }
            }
            var report = RelevanceReport()
            var lines: [String] = []
            for query in set {
                for mode in modes {
                    let ranked = try await search(query, mode)
                    let hits = ranked.titles.map { Self.isRelevant($0, query.relevant) }
                    report.add(
                        mode: mode.rawValue,
                        kind: query.kind,
                        hits: hits,
                        relevantCount: query.relevant.count,
                        milliseconds: ranked.milliseconds
                    )
                    if details != nil {
                        struct Detail: Encodable {
                            var id, kind, query, mode: String
                            var rank: Int?
                            var top: [String]
                        }
                        let detail = Detail(
                            id: query.id,
                            kind: query.kind,
                            query: query.text,
                            mode: mode.rawValue,
                            rank: hits.firstIndex(of: true).map { $0 + 1 },
                            top: ranked.titles.prefix(3).map { title in
                                title.title + (title.year.map { " (\($0))" } ?? "")
                            }
                        )
                        lines.append(String(decoding: try JSONEncoder.compact.encode(detail), as: UTF8.self))
                    }
                }
            }
            report.finish()
            if let details {
                try (lines.joined(separator: "\n") + "\n").write(toFile: details, atomically: true, encoding: .utf8)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print("\(set.count) queries from \(queries) against \(target)")
                print(report.table())
            }
        }
    }

    /// One `GET /v1/search` of the daemon at `base`, timed end to end.
    private static func daemonSearch(_ base: URL, _ query: RelevanceQuery, _ mode: SearchMode) async throws -> Ranked {
        var components = URLComponents(url: base.appendingPathComponent("v1/search"), resolvingAgainstBaseURL: false)!
        components.percentEncodedQuery =
            "q=" + (query.text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            + "&mode=\(mode.rawValue)&limit=10" + (query.filterText.isEmpty ? "" : "&" + query.filterText)
        let started = ContinuousClock.now
        let (data, response) = try await URLSession.shared.data(from: components.url!)
        let elapsed = ContinuousClock.now - started
        guard let status = (response as? HTTPURLResponse)?.statusCode, status == 200 else {
            let body = String(decoding: data.prefix(300), as: UTF8.self)
            throw MediaError(.io, "\(components.url!) answered \(body)")
        }
        struct Body: Decodable {
            struct Hit: Decodable { var title: CanonicalTitle }
            var results: [Hit]
        }
        let body = try JSONDecoder().decode(Body.self, from: data)
        return Ranked(titles: body.results.map(\.title), milliseconds: elapsed.seconds * 1000)
    }
}
