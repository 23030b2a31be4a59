import Foundation
import MediaModel
import QueryServer
import Snapshots
import TestSupport
import Testing

/// The vector routes of the daemon with stored vectors but no embedding model: similar titles
/// work (they need no model), semantic ranking does not, and the server says why.
@Suite struct SemanticRoutesTests {
    static let titles = [
        makeTitle("mg01", "Alien", year: 1979, genres: [.horror]),
        makeTitle("mg02", "Aliens", year: 1986, genres: [.action]),
        makeTitle("mg03", "Heat", year: 1995, genres: [.crime]),
        makeTitle("mg04", "Jaws", year: 1975, genres: [.horror]),
    ]
    static let vectors = EmbeddedVectors(
        modelID: "test-model",
        dimension: 3,
        byTitleID: ["mg01": [1, 0, 0], "mg02": [0.9, 0.1, 0], "mg03": [0, 0, 1], "mg04": [0.7, 0.7, 0]]
    )

    @Test func similarTitlesFollowVectorsFiltersAndAliases() async throws {
        let directory = try publishedDirectory(Self.titles, aliases: ["mgold": "mg01"], vectors: Self.vectors)
        try await withServer(directory) { _, base in
            let similar = try await get(base, "/v1/titles/mg01/similar?limit=2")
            #expect(similar.status == 200)
            let ids = (similar.json["results"] as? [[String: Any]] ?? []).compactMap {
                ($0["title"] as? [String: Any])?["id"] as? String
            }
            #expect(ids == ["mg02", "mg04"])
            let filtered = try await get(base, "/v1/titles/mg01/similar?genre=horror")
            #expect((filtered.json["results"] as? [[String: Any]])?.count == 1)
            let moved = try await get(base, "/v1/titles/mgold/similar?limit=2")
            #expect(moved.url?.path == "/v1/titles/mg01/similar")
            #expect(moved.url?.query == "limit=2")
            #expect(try await get(base, "/v1/titles/nope/similar").status == 404)
            let bad = try await get(base, "/v1/titles/mg01/similar?q=x")
            #expect(bad.status == 400 && bad.json["parameter"] as? String == "q")
        }
    }

    @Test func withoutAModelSemanticIsRefusedAndHybridFallsBackWithANotice() async throws {
        try await withServer(try publishedDirectory(Self.titles, vectors: Self.vectors)) { _, base in
            let ready = try await get(base, "/readyz")
            #expect(
                (ready.json["capabilities"] as? [String: Bool]) == [
                    "lexical": true, "semantic": false, "similar": true,
                ]
            )
            let semantic = try await get(base, "/v1/search?q=alien&mode=semantic")
            #expect(semantic.status == 503)
            let hybrid = try await get(base, "/v1/search?q=alien")
            #expect(hybrid.status == 200 && hybrid.json["mode"] as? String == "lexical")
            #expect((hybrid.json["notice"] as? String)?.contains("no embedding model") == true)
            let lexical = try await get(base, "/v1/search?q=alien&mode=lexical")
            #expect(lexical.json["notice"] == nil)
            #expect(try await get(base, "/v1/search?q=alien&mode=vector").status == 400)
        }
    }

    @Test func explainSaysWhyEachHitRanked() async throws {
        try await withServer(try publishedDirectory(Self.titles, vectors: Self.vectors)) { _, base in
            let explained = try await get(base, "/v1/search?q=heat%201995&mode=lexical&explain=true")
            #expect(explained.status == 200)
            let hit = (explained.json["results"] as? [[String: Any]])?.first
            let explanation = hit?["explanation"] as? [String: Any]
            #expect(explanation?["wordsMatched"] as? Int == 1 && explanation?["yearBoost"] != nil)
            let terms = explanation?["matchedTerms"] as? [[String: Any]]
            #expect(terms?.first?["term"] as? String == "heat" && terms?.first?["fields"] as? [String] == ["title"])
            let plain = try await get(base, "/v1/search?q=heat&mode=lexical")
            #expect((plain.json["results"] as? [[String: Any]])?.first?["explanation"] == nil)
            let bad = try await get(base, "/v1/search?q=heat&explain=yes")
            #expect(bad.status == 400 && bad.json["parameter"] as? String == "explain")
        }
    }

    @Test func aSnapshotWithoutVectorsHasNoSimilarTitles() async throws {
        try await withServer(try publishedDirectory(Self.titles)) { _, base in
            #expect(try await get(base, "/v1/titles/mg01/similar").status == 503)
            let ready = try await get(base, "/readyz")
            #expect((ready.json["missing"] as? [String])?.first?.contains("built without embeddings") == true)
        }
    }
}
