import Foundation
import Testing

/// Semantic search end to end with the real model: build with embeddings, the cache on a
/// rebuild, `snapshot query --mode`, `embed`, and the daemon's hybrid, semantic and similar
/// endpoints — and what happens without the model.
@Suite(.serialized) struct SemanticTests {
    static func publishedPlots() throws -> Harness.Workspace {
        let workspace = Harness.Workspace()
        #expect(
            try Harness.run(["import", Harness.fixture("plots.jsonl"), "--source", "plots"], in: workspace).status == 0
        )
        let build = try Harness.run(["build"], in: workspace)
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.stdout.contains("embeddings: 10 computed, 0 from cache"), "\(build.stdout)")
        return workspace
    }

    static func currentFile(_ workspace: Harness.Workspace) throws -> String {
        workspace.snapshots + "/"
            + (try String(contentsOfFile: workspace.snapshots + "/CURRENT", encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func buildEmbedsOnceAndQueriesFindTitlesByMeaning() throws {
        let workspace = try Self.publishedPlots()
        let unchanged = try Harness.run(["build"], in: workspace)
        #expect(unchanged.stdout.contains("unchanged: 10 titles from 10 records"), "\(unchanged.stdout)")
        let again = try Harness.run(["build", "--always"], in: workspace)
        #expect(again.stdout.contains("embeddings: 0 computed, 10 from cache"), "\(again.stdout)")

        let file = try Self.currentFile(workspace)
        let info = try Harness.run(["snapshot", "info", file], in: workspace)
        #expect(info.stdout.contains("vectors:        10 × 384 int8, model all-MiniLM-L6-v2, exact search"))

        // No word of the query is in the catalog: only meaning can find the shark film.
        let semantic = try Harness.run(
            ["snapshot", "query", file, "killer fish attacks swimmers", "--mode", "semantic", "--limit", "1"],
            in: workspace
        )
        #expect(semantic.stdout.contains("Jaws (1975)"), "\(semantic.stdout)")
        let lexical = try Harness.run(
            ["snapshot", "query", file, "killer fish attacks swimmers", "--mode", "lexical"],
            in: workspace
        )
        #expect(lexical.stdout.hasPrefix("0 matches (lexical)"), "\(lexical.stdout)")
        let hybrid = try Harness.run(
            ["snapshot", "query", file, "stranded alone on another planet", "--limit", "1"],
            in: workspace
        )
        #expect(hybrid.stdout.contains("(hybrid)") && hybrid.stdout.contains("The Martian (2015)"), "\(hybrid.stdout)")
    }

    @Test func embedPrintsTokenIDsAndAUnitVector() throws {
        let workspace = Harness.Workspace()
        let result = try Harness.run(["embed", "The Matrix"], in: workspace)
        #expect(result.status == 0, "\(result.stderr)")
        let line = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(line?["tokens"] as? [Int] == [101, 1996, 8185, 102])
        let vector = line?["embedding"] as? [Double] ?? []
        #expect(vector.count == 384)
        #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
    }

    @Test func daemonServesHybridSemanticAndSimilarTitles() async throws {
        let workspace = try Self.publishedPlots()
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
        var workspace = try Self.publishedPlots()
        workspace.extraEnvironment["MEDIAGW_MODELS"] = workspace.root + "/no-models"
        let build = try Harness.run(["build"], in: workspace)
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
