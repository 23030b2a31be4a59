import Foundation
import Staging
import Testing

/// `mediagw resolve review|explain|merge|split` on imported records.
struct ResolveCommandTests {
    func write(_ lines: [String], _ name: String, in workspace: Harness.Workspace) throws -> String {
        let path = workspace.root + "/\(name).jsonl"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aBorderlinePairIsReviewedExplainedAndDecided() async throws {
        let workspace = Harness.Workspace()
        let resolution = ["--resolution", workspace.root + "/resolution"]
        let a = try write(
            [
                #"{"id":"1","kind":"movie","title":"Pusher","year":1996,"runtimeMinutes":105,"directors":["Nicolas Winding Refn"]}"#,
                #"{"id":"2","kind":"movie","title":"Dune","year":1984,"directors":["David Lynch"]}"#,
            ],
            "a",
            in: workspace
        )
        let b = try write(
            [
                #"{"id":"7","kind":"movie","title":"Pusher","year":1996,"runtimeMinutes":100,"directors":["Someone Else"]}"#,
                #"{"id":"8","kind":"movie","title":"DUNE (1984)","year":1984,"directors":["Lynch, David"]}"#,
            ],
            "b",
            in: workspace
        )
        #expect(try await Harness.run(["import", a, "--source", "a"], in: workspace).status == 0)
        #expect(try await Harness.run(["import", b, "--source", "b"], in: workspace).status == 0)
        let build = try await Harness.run(["build", "--no-embeddings"] + resolution, in: workspace)
        #expect(build.stdout.contains(": 3 titles from 4 records"), "\(build.stdout)")

        let review = try await Harness.run(["resolve", "review"], in: workspace)
        #expect(review.stdout.contains(#"a:1 "Pusher" 1996  ~  b:7 "Pusher" 1996"#), "\(review.stdout)")

        let explain = try await Harness.run(["resolve", "explain", "a:2"] + resolution, in: workspace)
        #expect(explain.stdout.contains("one title with: b:8"), "\(explain.stdout)")
        #expect(
            explain.stdout.contains(#"same  b:8 "DUNE (1984)" 1984 — title 1.00, years 0 apart, directors 1.00"#),
            "\(explain.stdout)"
        )

        let merge = try await Harness.run(["resolve", "merge", "a:1", "b:7"] + resolution, in: workspace)
        #expect(merge.status == 0, "\(merge.stderr)")
        let split = try await Harness.run(["resolve", "split", "a:2", "b:8"] + resolution, in: workspace)
        #expect(split.status == 0)
        let overrides = try String(contentsOfFile: workspace.root + "/resolution/overrides.yml", encoding: .utf8)
        #expect(overrides.contains(#"- ["a:1", "b:7"]"#) && overrides.contains(#"- ["a:2", "b:8"]"#), "\(overrides)")
        let rebuilt = try await Harness.run(["build", "--no-embeddings"] + resolution, in: workspace)
        #expect(rebuilt.stdout.contains(": 3 titles from 4 records"), "\(rebuilt.stdout)")
        let after = try await Harness.run(["resolve", "explain", "a:1"] + resolution, in: workspace)
        #expect(after.stdout.contains("one title with: b:7"), "\(after.stdout)")
        let apart = try await Harness.run(["resolve", "explain", "a:2"] + resolution, in: workspace)
        #expect(apart.stdout.contains(#"apart b:8"#), "\(apart.stdout)")
        #expect(try await Harness.run(["resolve", "review"], in: workspace).stdout.contains("nothing to review"))
        let missing = try await Harness.run(["resolve", "explain", "zz:9"], in: workspace)
        #expect(missing.status == 66)
    }
}
