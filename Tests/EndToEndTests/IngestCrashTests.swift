import Foundation
import MediaModel
import Staging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `mediagw ingest` against `mediagw simulate`, killed with SIGKILL at random moments and
/// resumed: the staged records end up exactly those of an uninterrupted run.
@Suite(.serialized) struct IngestCrashTests {
    /// Starts the simulator and waits for its port; connector files go to `connectors`.
    func simulate(in workspace: Harness.Workspace, connectors: String) async throws -> Process {
        let (process, out, _) = try Harness.start(
            [
                "simulate", "--port", "0", "--titles", "600", "--seed", "11", "--connectors", connectors,
                "--key", "watchmode=e2e-wm-key",
            ],
            in: workspace
        )
        for _ in 0..<300 {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if text.contains("simulator listening on ") { return process }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw Harness.HarnessError(message: "the simulator did not start")
    }

    /// Every live staged record.
    func records(_ staging: String) throws -> [SourceRecord] {
        try StagingStore(path: staging).liveRecords()
    }

    @Test func killedIngestsResumeToTheRecordsOfAnUninterruptedRun() async throws {
        var workspace = Harness.Workspace()
        workspace.extraEnvironment["WATCHMODE_API_KEY"] = "e2e-wm-key"
        let connectors = workspace.root + "/connectors"
        let simulator = try await simulate(in: workspace, connectors: connectors)
        defer { simulator.terminate() }
        let arguments = ["ingest", "watchmode", "--connectors", connectors, "--stream", "listing"]

        var reference = workspace
        reference.extraEnvironment["MEDIAGW_STAGING"] = workspace.root + "/reference.sqlite"
        let clean = try await Harness.run(arguments, in: reference)
        #expect(clean.status == 0, "\(clean.stderr)")

        // Kill times come from a seed (MEDIAGW_TEST_SEED repeats a failing run's), printed with
        // every failure.
        let seed = ProcessInfo.processInfo.environment["MEDIAGW_TEST_SEED"].flatMap(UInt64.init) ?? 20_261_201
        var generator = SplitMix64(seed: seed)
        var killedAt: [Int] = []
        // Four kills; a run that finishes before its kill time (a fast machine) leaves nothing
        // for the next, so the ingest then starts over from an empty staging database.
        for _ in 0..<12 where killedAt.count < 4 {
            let delay = Int.random(in: 40...400, using: &generator)
            let (process, _, _) = try Harness.start(arguments, in: workspace)
            try await Task.sleep(for: .milliseconds(delay))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killedAt.append(delay)
                await process.exited()
            } else {
                await process.exited()
                for suffix in ["", "-wal", "-shm"] { unlink(workspace.staging + suffix) }
            }
        }
        let context = "seed \(seed), killed after \(killedAt) ms"
        let resumed = try await Harness.run(arguments, in: workspace)
        #expect(resumed.status == 0, "\(context): \(resumed.stderr)")
        #expect(!killedAt.isEmpty, "at least one run was killed mid-sync (\(context))")
        let expected = try records(workspace.root + "/reference.sqlite")
        #expect(expected.count > 100)
        #expect(try records(workspace.staging) == expected, "\(context)")
        // Every interrupted run is on record as interrupted, not running.
        let history = try await Harness.run(["runs", "--json"], in: workspace)
        #expect(!history.stdout.contains("\"running\""))
    }
}
