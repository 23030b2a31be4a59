import Foundation
import Snapshots
import Staging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real binary, start to finish: import, build, verify, query, export, diff, serve.
@Suite(.serialized) struct PipelineTests {
    /// A workspace with the sample catalog imported and one snapshot published.
    static func publishedSample() async throws -> Harness.Workspace {
        let workspace = Harness.Workspace()
        let catalog = try await Harness.run(
            ["import", Harness.sample("catalog.jsonl.zst"), "--source", "wikidata"],
            in: workspace
        )
        #expect(catalog.status == 0, "\(catalog.stderr)")
        #expect(catalog.stdout.contains("read 3000, new 3000"))
        let offers = try await Harness.run(
            ["import", Harness.sample("offers.jsonl.zst"), "--source", "offers"],
            in: workspace
        )
        #expect(offers.status == 0, "\(offers.stderr)")
        // Lexical only: embedding 3,000 titles in a debug build is slow; SemanticTests covers vectors.
        let build = try await Harness.run(["build", "--no-embeddings"], in: workspace)
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.stdout.contains("3000 titles from 5967 records"))
        // Off a terminal there is no bar redrawn in place: plain lines every 10 s, if it takes that long.
        #expect(!build.stderr.contains("\r"), "\(build.stderr)")
        for line in build.stderr.split(separator: "\n") where line.contains("progress") {
            #expect(line.hasPrefix("mediagw: progress: build · "), "\(line)")
        }
        return workspace
    }

    /// What a new user gets wrong first: a misspelt command, a staging path with a typo, a query
    /// without a file.
    @Test func commonMistakesGetErrorsThatSayWhatToDo() async throws {
        let workspace = Harness.Workspace()
        let typo = try await Harness.run(["serach", "jaws"], in: workspace)
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("unknown command 'mediagw serach'; did you mean 'mediagw snapshot query'?"))
        let nested = try await Harness.run(["snapshot", "qurey", "jaws"], in: workspace)
        #expect(nested.stderr.contains("did you mean 'mediagw snapshot query'?"), "\(nested.stderr)")

        for command in [["runs"], ["runs", "show", "1"], ["quarantine"], ["quota"], ["resolve", "review"], ["build"]] {
            let missing = try await Harness.run(
                command + ["--staging", workspace.root + "/var/stagin.sqlite"],
                in: workspace
            )
            #expect(missing.status == 66, "\(command)")
            #expect(missing.stderr.contains("no staging database at \(workspace.root)/var/stagin.sqlite"), "\(command)")
        }
        #expect(!FileManager.default.fileExists(atPath: workspace.root + "/var/stagin.sqlite"), "nothing was created")

        let empty = Harness.Workspace()
        _ = try await Harness.run(["import", Harness.fixture("bad-lines.jsonl"), "--source", "extra"], in: empty)
        let noQuarantine = try await Harness.run(["quarantine", "--source", "other"], in: empty)
        #expect(noQuarantine.stdout == "nothing quarantined from other\n")
        let noRuns = try await Harness.run(["runs", "nightly"], in: empty)
        #expect(noRuns.stdout == "no runs of nightly yet\n")
    }

    @Test func importBuildVerifyQueryExportOffline() async throws {
        let workspace = try await Self.publishedSample()
        let again = try await Harness.run(
            ["import", Harness.sample("offers.jsonl.zst"), "--source", "offers"],
            in: workspace
        )
        #expect(again.stdout.contains("new 0, changed 0, unchanged 2967, quarantined 0"))

        let verify = try await Harness.run(["snapshot", "verify"], in: workspace)
        #expect(verify.status == 0 && verify.stdout.hasPrefix("ok:"))
        let info = try await Harness.run(["snapshot", "info"], in: workspace)
        #expect(info.stdout.contains("titles:         3000"))
        #expect(info.stdout.contains("wikidata                 3000 records"))

        let current = try String(contentsOfFile: workspace.snapshots + "/CURRENT", encoding: .utf8)
        let file = workspace.snapshots + "/" + current.trimmingCharacters(in: .whitespacesAndNewlines)
        // Without a file, the query runs against the current snapshot.
        let withoutFile = try await Harness.run(["snapshot", "query", "taxi driver", "--limit", "3"], in: workspace)
        #expect(withoutFile.stdout.split(separator: "\n").dropFirst().first?.contains("Taxi Driver (1976)") == true)
        let query = try await Harness.run(["snapshot", "query", file, "taxi driver", "--limit", "3"], in: workspace)
        #expect(query.status == 0)
        #expect(
            query.stdout.split(separator: "\n").dropFirst().first?.contains("Taxi Driver (1976)") == true,
            "\(query.stdout)"
        )
        let filtered = try await Harness.run(
            ["snapshot", "query", file, "", "--genre", "western", "--year-to", "1950", "--json", "--limit", "100"],
            in: workspace
        )
        let years = filtered.stdout.split(separator: "\n").compactMap { line -> Int? in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (object?["title"] as? [String: Any])?["year"] as? Int
        }
        #expect(!years.isEmpty && years.allSatisfy { $0 <= 1950 })

        let export = try await Harness.run(["snapshot", "export", file], in: workspace)
        let lines = export.stdout.split(separator: "\n")
        #expect(lines.count == 3000)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect((first?["members"] as? [String])?.isEmpty == false)
    }

    /// The footer's table offset with its top bit set once crashed every reader (exit 132), and
    /// `snapshot query` read damaged files without verifying them.
    @Test func damagedFilesAreRefusedByEveryCommandThatReadsThem() async throws {
        let workspace = try await Self.publishedSample()
        let current = try String(contentsOfFile: workspace.snapshots + "/CURRENT", encoding: .utf8)
        let good = workspace.snapshots + "/" + current.trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        // The top bit of the footer's table offset, and one bit inside a section body.
        for (position, mask) in [(bytes.count - 64 + 7, UInt8(0x80)), (bytes.count / 2, UInt8(0x01))] {
            var damagedBytes = bytes
            damagedBytes[position] ^= mask
            let damaged = workspace.root + "/damaged.mgws"
            try damagedBytes.write(to: URL(fileURLWithPath: damaged))
            for command in [
                ["snapshot", "verify", damaged], ["snapshot", "query", damaged, "taxi"],
                ["snapshot", "export", damaged], ["snapshot", "diff", good, damaged],
            ] {
                let result = try await Harness.run(command, in: workspace)
                #expect(result.status == 67, "\(command) at \(position): \(result.status) \(result.stderr)")
                #expect(result.stderr.contains("damaged.mgws is corrupt"), "\(command): \(result.stderr)")
            }
        }
    }

    /// Three builds at once on one staging and snapshots pair once failed renaming each other's
    /// `CURRENT.tmp` (exit 74) and could leave `CURRENT` on an older build.
    @Test func concurrentBuildsAllSucceedAndCurrentEndsOnTheNewest() async throws {
        let workspace = try await Self.publishedSample()
        for _ in 0..<2 {
            let builds = try (0..<3).map { _ in
                try Harness.start(["build", "--no-embeddings", "--always"], in: workspace)
            }
            for (process, _, err) in builds {
                await process.exited()
                let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
                #expect([0, 73].contains(process.terminationStatus), "\(process.terminationStatus): \(stderr)")
            }
            let names = SnapshotDirectory(path: workspace.snapshots).snapshotNames()
            let current = try String(contentsOfFile: workspace.snapshots + "/CURRENT", encoding: .utf8)
            #expect(current.trimmingCharacters(in: .whitespacesAndNewlines) == names.last)
            for name in names {
                let verify = try await Harness.run(
                    ["snapshot", "verify", workspace.snapshots + "/" + name],
                    in: workspace
                )
                #expect(verify.status == 0, "\(name): \(verify.stderr)")
            }
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: workspace.snapshots).filter {
            $0.hasPrefix(".tmp") || $0.hasPrefix("CURRENT.tmp")
        }
        #expect(leftovers.isEmpty)
    }

    @Test func badInputIsQuarantinedAndReportedWithExitCodes() async throws {
        let workspace = Harness.Workspace()
        let result = try await Harness.run(
            ["import", Harness.fixture("bad-lines.jsonl"), "--source", "extra"],
            in: workspace
        )
        #expect(result.status == 2)
        #expect(result.stdout.contains("read 8, new 2, changed 0, unchanged 0, quarantined 6"))
        #expect(result.stdout.contains("ignored unknown fields: mpaa (1 lines)"))
        let quarantine = try await Harness.run(["quarantine", "--source", "extra"], in: workspace)
        for expected in [
            "bad-lines.jsonl:2", "bad-lines.jsonl:3", "bad-lines.jsonl:4", "bad-lines.jsonl:5", "bad-lines.jsonl:6",
            "duplicate id 'e1' (first seen at line 1)",
        ] {
            #expect(quarantine.stdout.contains(expected), "missing \(expected)")
        }
        // The same file through standard input, gzip-compressed: same records, nothing new.
        let gzipped = workspace.root + "/bad-lines.jsonl.gz"
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "gzip -c '\(Harness.fixture("bad-lines.jsonl"))' > '\(gzipped)'"]
        try gzip.run()
        await gzip.exited()
        let piped = try await Harness.run(["import", "-", "--source", "extra"], in: workspace, input: gzipped)
        #expect(piped.status == 2)
        #expect(piped.stdout.contains("imported standard input as 'extra': read 8, new 0, changed 0, unchanged 2"))
        // The same bad lines again are reported again but not stored twice.
        let listed = try await Harness.run(["quarantine", "--source", "extra", "--json"], in: workspace)
        let entries = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
        #expect(entries?.count == 12)  // 6 from the file, 6 from the gzip copy (another raw page)
        _ = try await Harness.run(["import", Harness.fixture("bad-lines.jsonl"), "--source", "extra"], in: workspace)
        let again = try await Harness.run(["quarantine", "--source", "extra", "--json"], in: workspace)
        #expect((try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [[String: Any]])?.count == 12)
        let missing = try await Harness.run(["import", "/nonexistent.jsonl", "--source", "extra"], in: workspace)
        #expect(missing.status == 66 && missing.stderr.contains("/nonexistent.jsonl"))
        let badSource = try await Harness.run(
            ["import", Harness.fixture("bad-lines.jsonl"), "--source", "Bad Name"],
            in: workspace
        )
        #expect(badSource.status == 64 && badSource.stderr.contains("--source"))
        let noSnapshot = try await Harness.run(["snapshot", "info"], in: workspace)
        #expect(noSnapshot.status == 66)
    }

    @Test func corruptSnapshotIsRefusedByNameWithItsExitCode() async throws {
        let workspace = try await Self.publishedSample()
        let current = try String(contentsOfFile: workspace.snapshots + "/CURRENT", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let copy = workspace.root + "/copy.mgws"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: workspace.snapshots + "/" + current))
        let info = try await Harness.run(["snapshot", "info", "--json"], in: workspace)
        let sections =
            (try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])?["sections"]
            as? [[String: Any]]
        let postings = try #require(sections?.first { $0["name"] as? String == "lex.postings" })
        bytes[(postings["offset"] as! Int) + 10] ^= 0x20
        try bytes.write(to: URL(fileURLWithPath: copy))
        let verify = try await Harness.run(["snapshot", "verify", copy], in: workspace)
        #expect(verify.status == 67)
        #expect(verify.stderr.contains("copy.mgws") && verify.stderr.contains("section 'lex.postings'"))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: copy))
        let truncated = try await Harness.run(["snapshot", "verify", copy], in: workspace)
        #expect(truncated.status == 67 && truncated.stderr.contains("truncated"))
    }

    @Test func diffReportsWhatTheSecondBuildChanged() async throws {
        let workspace = try await Self.publishedSample()
        let first =
            workspace.snapshots + "/"
            + (try String(contentsOfFile: workspace.snapshots + "/CURRENT", encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try await Harness.run(["import", Harness.fixture("bad-lines.jsonl"), "--source", "extra"], in: workspace)
        #expect(try await Harness.run(["build", "--no-embeddings"], in: workspace).status == 0)
        let second =
            workspace.snapshots + "/"
            + (try String(contentsOfFile: workspace.snapshots + "/CURRENT", encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let diff = try await Harness.run(["snapshot", "diff", first, second], in: workspace)
        #expect(diff.status == 0)
        #expect(diff.stdout.contains("title-added"))
        #expect(diff.stdout.contains("Zyzzyva Nights"))
        #expect(diff.stdout.contains("title-added 2, title-removed 0, title-merged 0, title-changed 0"))
    }

    @Test func killDashNineDuringImportLosesNothingAndCountsNothingTwice() async throws {
        let workspace = Harness.Workspace()
        let path = workspace.root + "/bulk.jsonl"
        let text = (0..<60_000).map { #"{"id":"b\#($0)","kind":"movie","title":"Bulk film \#($0)","year":2001}"# }
        try text.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        // Staging exists and is migrated before the import starts, so polling it below only
        // reads; a migration's write lock could wait behind the import's back-to-back commits.
        _ = try StagingStore(path: workspace.staging)
        let (process, _, _) = try Harness.start(
            ["import", path, "--source", "bulk", "--page-size", "50"],
            in: workspace
        )
        try FileManager.default.createDirectory(atPath: workspace.root + "/var", withIntermediateDirectories: true)
        var cursor: String?
        // Until the first page has committed (up to 30 s on a machine busy with other tests).
        for _ in 0..<1500 where cursor == nil {
            try await Task.sleep(for: .milliseconds(20))
            if FileManager.default.fileExists(atPath: workspace.staging) {
                cursor = try? StagingStore(path: workspace.staging).cursor(job: "import:bulk", stream: "bulk.jsonl")
            }
        }
        // Small pages keep the import going for a while; it must still be going to be killed.
        try #require(process.isRunning, "the import ended before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        await process.exited()
        let store = try StagingStore(path: workspace.staging)
        let position = try #require(try store.cursor(job: "import:bulk", stream: "bulk.jsonl"))
        let committed = try #require(
            (try JSONSerialization.jsonObject(with: Data(position.utf8)) as? [String: Any])?["line"] as? Int
        )
        // Records and cursor commit together: exactly the cursor's lines are staged.
        #expect(try store.liveRecords().count == committed)
        // The killed run's history says what it committed (it once said read 0, new 0).
        let killed = try #require(try store.runs(job: "import:bulk").first)
        #expect(killed.outcome == .running && killed.counts.read == committed && killed.counts.new == committed)
        // The same file again goes on after the committed lines (it once read them all again).
        let rerun = try await Harness.run(["import", path, "--source", "bulk"], in: workspace)
        #expect(rerun.status == 0)
        #expect(rerun.stdout.contains("resumed after line \(committed),"), "\(rerun.stdout)")
        #expect(rerun.stdout.contains("read \(60_000 - committed), new \(60_000 - committed), changed 0, unchanged 0"))
        #expect(try store.liveRecords().count == 60_000)
        #expect(try store.runs(job: "import:bulk").map(\.outcome) == [.success, .interrupted])
        // Finished, it is read whole the next time, and nothing changes.
        let third = try await Harness.run(["import", path, "--source", "bulk"], in: workspace)
        #expect(third.stdout.contains("read 60000, new 0, changed 0, unchanged 60000"), "\(third.stdout)")
    }

    /// A file that changed since the interrupted import is never resumed part-way.
    @Test func aChangedFileIsReadFromTheStart() async throws {
        let workspace = Harness.Workspace()
        let path = workspace.root + "/bulk.jsonl"
        let text = (0..<500).map { #"{"id":"b\#($0)","kind":"movie","title":"Bulk film \#($0)","year":2001}"# }
        try text.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        // The position an interrupted import leaves, for a file of another size.
        try StagingStore(path: workspace.staging).saveCursor(
            .init(job: "import:bulk", stream: "bulk.jsonl", value: #"{"line":100,"size":5,"modified":0}"#)
        )
        let result = try await Harness.run(["import", path, "--source", "bulk"], in: workspace)
        #expect(!result.stdout.contains("resumed"))
        #expect(result.stdout.contains("read 500, new 500"), "\(result.stdout)")
    }
}
