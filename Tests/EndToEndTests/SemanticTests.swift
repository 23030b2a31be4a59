import Foundation
import Testing

/// Semantic search end to end with the real model: build with embeddings, the cache on a
/// rebuild, `snapshot query --mode`, `embed`, and the daemon's hybrid, semantic and similar
/// endpoints — and what happens without the model.
@Suite(.serialized) struct SemanticTests {
    static func publishedPlots() async throws -> Harness.Workspace {
        let workspace = Harness.Workspace()
        #expect(
            try await Harness.run(["import", Harness.fixture("plots.jsonl"), "--source", "plots"], in: workspace).status
                == 0
        )
        let build = try await Harness.run(["build"], in: workspace)
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.stdout.contains("embeddings: 10 computed, 0 from cache"), "\(build.stdout)")
        return workspace
    }

    static func currentFile(_ workspace: Harness.Workspace) throws -> String {
        workspace.snapshots + "/"
            + (try String(contentsOfFile: workspace.snapshots + "/CURRENT", encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func buildEmbedsOnceAndQueriesFindTitlesByMeaning() async throws {
        let workspace = try await Self.publishedPlots()
        let unchanged = try await Harness.run(["build"], in: workspace)
        #expect(unchanged.stdout.contains("unchanged: 10 titles from 10 records"), "\(unchanged.stdout)")
        let again = try await Harness.run(["build", "--always"], in: workspace)
        #expect(again.stdout.contains("embeddings: 0 computed, 10 from cache"), "\(again.stdout)")

        let file = try Self.currentFile(workspace)
        let info = try await Harness.run(["snapshot", "info", file], in: workspace)
        #expect(info.stdout.contains("vectors:        10 × 384 int8, model all-MiniLM-L6-v2, exact search"))

        // No word of the query is in the catalog: only meaning can find the shark film.
        let semantic = try await Harness.run(
            ["snapshot", "query", file, "killer fish attacks swimmers", "--mode", "semantic", "--limit", "1"],
            in: workspace
        )
        #expect(semantic.stdout.contains("Jaws (1975)"), "\(semantic.stdout)")
        let lexical = try await Harness.run(
            ["snapshot", "query", file, "killer fish attacks swimmers", "--mode", "lexical"],
            in: workspace
        )
        #expect(lexical.stdout.hasPrefix("0 matches (lexical)"), "\(lexical.stdout)")
        let hybrid = try await Harness.run(
            ["snapshot", "query", file, "stranded alone on another planet", "--limit", "1"],
            in: workspace
        )
        #expect(hybrid.stdout.contains("(hybrid)") && hybrid.stdout.contains("The Martian (2015)"), "\(hybrid.stdout)")
    }

    @Test func embedPrintsTokenIDsAndAUnitVector() async throws {
        let workspace = Harness.Workspace()
        let result = try await Harness.run(["embed", "The Matrix"], in: workspace)
        #expect(result.status == 0, "\(result.stderr)")
        let line = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(line?["tokens"] as? [Int] == [101, 1996, 8185, 102])
        let vector = line?["embedding"] as? [Double] ?? []
        #expect(vector.count == 384)
        #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
    }

    @Test func daemonServesHybridSemanticAndSimilarTitles() async throws {
        let workspace = try await Self.publishedPlots()
        let (daemon, base, _) = try await Harness.serve(in: workspace)
        defer { daemon.terminate() }
        let ready = try await Harness.get(base, "/readyz")
        #expect((ready.json["capabilities"] as? [String: Bool])?["semantic"] == true)

        let search = try await Harness.get(base, "/v1/search?q=spacecraft%20accident%20astronauts%20return&limit=1")
        #expect(search.json["mode"] as? String == "hybrid")
        let first = (search.json["results"] as? [[String: Any]])?.first?["title"] as? [String: Any]
        #expect(first?["title"] as? String == "Apollo 13")

        let nemo = try await Harness.get(base, "/v1/search?q=finding%20nemo&mode=lexical&limit=1")
        let nemoID = ((nemo.json["results"] as? [[String: Any]])?.first?["title"] as? [String: Any])?["id"] as? String
        let similar = try await Harness.get(base, "/v1/titles/\(nemoID ?? "")/similar?limit=3&genre=animation")
        #expect(similar.status == 200)
        let names = (similar.json["results"] as? [[String: Any]] ?? []).compactMap {
            ($0["title"] as? [String: Any])?["title"] as? String
        }
        #expect(names == ["Ratatouille"], "\(similar.json)")
        let bad = try await Harness.get(base, "/v1/search?q=x&mode=fuzzy")
        #expect(bad.status == 400 && (bad.json["detail"] as? String ?? "").contains("mode"))
    }

    @Test func withoutTheModelBuildExplainsAndServeFallsBackToLexical() async throws {
        var workspace = try await Self.publishedPlots()
        workspace.extraEnvironment["MEDIAGW_MODELS"] = workspace.root + "/no-models"
        let build = try await Harness.run(["build"], in: workspace)
        #expect(build.status == 66)
        #expect(
            build.stderr.contains("install-model.sh") && build.stderr.contains("--no-embeddings"),
            "\(build.stderr)"
        )

        let (daemon, base, _) = try await Harness.serve(in: workspace)
        defer { daemon.terminate() }
        let ready = try await Harness.get(base, "/readyz")
        #expect(ready.status == 200)
        #expect((ready.json["capabilities"] as? [String: Bool])?["semantic"] == false)
        #expect((ready.json["missing"] as? [String])?.first?.contains("install-model.sh") == true)
        let hybrid = try await Harness.get(base, "/v1/search?q=heat")
        #expect(hybrid.json["mode"] as? String == "lexical")
        #expect((hybrid.json["notice"] as? String)?.contains("semantic ranking is unavailable") == true)
        let semantic = try await Harness.get(base, "/v1/search?q=heat&mode=semantic")
        #expect(semantic.status == 503)
    }
}

/// `mediagw eval` on a tiny committed set whose figures are known by hand.
@Suite(.serialized) struct EvalCommandTests {
    @Test func evalReportsTheFiguresOfATinySetPerModeAndKind() async throws {
        let workspace = try await SemanticTests.publishedPlots()
        let details = workspace.root + "/details.jsonl"
        let result = try await Harness.run(
            ["eval", Harness.fixture("plots-eval.tsv"), "--json", "--details", details],
            in: workspace
        )
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let modes = report?["modes"] as? [String: [String: Any]] ?? [:]
        #expect(Set(modes.keys) == ["lexical", "semantic", "hybrid"])
        // Lexical finds jaws, day (with the genre filter) and the misspelled ratatoulle first; no
        // word of the fish query is in the catalog, and nothing is named "zzzz".
        let lexical = modes["lexical"]?["all"] as? [String: Double] ?? [:]
        #expect(lexical["queries"] == 5)
        #expect(lexical["hitAt1"] == 0.6)
        #expect(lexical["hitAt10"] == 0.6)
        #expect(lexical["mrrAt10"] == 0.6)
        let lexicalKinds = modes["lexical"]?["kinds"] as? [String: [String: Double]] ?? [:]
        #expect(lexicalKinds["title"]?["hitAt1"] == 0.5)
        #expect(lexicalKinds["description"]?["hitAt10"] == 0)
        #expect(lexicalKinds["misspelled"]?["hitAt1"] == 1)
        // Meaning finds the shark film the words cannot.
        let semanticKinds = modes["semantic"]?["kinds"] as? [String: [String: Double]] ?? [:]
        #expect(semanticKinds["description"]?["hitAt1"] == 1)
        #expect((modes["hybrid"]?["p99Milliseconds"] as? Double ?? 0) > 0)

        let lines = try String(contentsOfFile: details, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 15)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(first?["id"] as? String == "q1" && first?["mode"] as? String == "lexical")
        #expect(first?["rank"] as? Int == 1 && (first?["top"] as? [String])?.first == "Jaws (1975)")

        let table = try await Harness.run(
            ["eval", Harness.fixture("plots-eval.tsv"), "--mode", "lexical"],
            in: workspace
        )
        #expect(table.stdout.contains("lexical   all                 5  0.600   0.600   0.600"), "\(table.stdout)")

        let file = try SemanticTests.currentFile(workspace)
        let explained = try await Harness.run(
            ["snapshot", "query", file, "jaws", "--explain", "--limit", "1"],
            in: workspace
        )
        #expect(explained.stdout.contains("1/1 words (jaws: jaws exact in title)"), "\(explained.stdout)")
        #expect(explained.stdout.contains("lexical + "), "\(explained.stdout)")
    }

    @Test func aMalformedQueryFileIsRefusedByLine() async throws {
        let workspace = try await SemanticTests.publishedPlots()
        let file = workspace.root + "/bad.tsv"
        try "q1\ttitle\tjaws\tplots:p2\nq2\ttitle only three fields\n".write(
            toFile: file,
            atomically: true,
            encoding: .utf8
        )
        let result = try await Harness.run(["eval", file], in: workspace)
        #expect(result.status == 65)
        #expect(result.stderr.contains("bad.tsv:2: 2 tab-separated fields"), "\(result.stderr)")
        try "q1\ttitle\tjaws\tplots:p2\tgenre=dramatic\n".write(toFile: file, atomically: true, encoding: .utf8)
        let filter = try await Harness.run(["eval", file], in: workspace)
        #expect(filter.status == 65 && filter.stderr.contains("bad.tsv:1: 'dramatic' is not a valid genre"))
    }
}
