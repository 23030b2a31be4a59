import Foundation
import Testing

/// The real daemon on an ephemeral loopback port.
@Suite(.serialized) struct DaemonTests {
    @Test func servesSwapsUnderLoadAndRefusesACorruptSnapshot() async throws {
        let workspace = try await PipelineTests.publishedSample()
        let (daemon, base, logs) = try await Harness.serve(in: workspace)
        defer { daemon.terminate() }

        let ready = try await Harness.get(base, "/readyz")
        #expect(ready.status == 200)
        // A second daemon on the same port says why it cannot start.
        let second = try await Harness.run(["serve", "--port", String(base.port ?? 0)], in: workspace)
        #expect(second.status == 74, "\(second.stderr)")
        #expect(
            second.stderr.contains("mediagw: port \(base.port ?? 0) on 127.0.0.1 is in use by another process"),
            "\(second.stderr)"
        )
        let taxi = try await Harness.get(base, "/v1/search?q=taxi%20driver&limit=1")
        let first = (taxi.json["results"] as? [[String: Any]])?.first?["title"] as? [String: Any]
        #expect(first?["title"] as? String == "Taxi Driver")
        let before = try await Harness.get(base, "/v1/search?q=zyzzyva")
        #expect(before.json["total"] as? Int == 0)

        // Publish a second snapshot while four clients keep querying: each goes on until it has
        // seen answers from both snapshots and 20 more after the swap, so the swap is certain
        // to happen while they are mid-flight (bounded by a deadline).
        let results = try await withThrowingTaskGroup(of: (failed: Int, snapshots: Int).self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var failed = 0
                    var seen = Set<String>()
                    var afterSwap = 0
                    let deadline = ContinuousClock.now + .seconds(120)
                    while afterSwap < 20 && ContinuousClock.now < deadline {
                        let response = try? await Harness.get(base, "/v1/search?q=taxi&limit=5")
                        if response?.status != 200 { failed += 1 }
                        if let id = response?.json["snapshot"] as? String { seen.insert(id) }
                        if seen.count > 1 { afterSwap += 1 }
                    }
                    return (failed, seen.count)
                }
            }
            group.addTask {
                _ = try await Harness.run(
                    ["import", Harness.fixture("bad-lines.jsonl"), "--source", "extra"],
                    in: workspace
                )
                let build = try await Harness.run(["build", "--no-embeddings"], in: workspace)
                return (build.status == 0 ? 0 : 1000, 2)
            }
            return try await group.reduce(into: [(failed: Int, snapshots: Int)]()) { $0.append($1) }
        }
        #expect(results.map(\.failed).reduce(0, +) == 0)
        #expect(results.allSatisfy { $0.snapshots == 2 }, "every client queried across the swap: \(results)")
        var appeared = false
        for _ in 0..<100 where !appeared {
            appeared = try await Harness.get(base, "/v1/search?q=zyzzyva").json["total"] as? Int == 1
            if !appeared { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(appeared)
        let servedName = try await Harness.get(base, "/v1/snapshot").json["name"] as? String

        // Point CURRENT at a corrupt copy: refused, old data still served.
        let current = workspace.snapshots + "/" + (servedName ?? "")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: current))
        bytes[bytes.count / 3] ^= 0x55
        let corruptName = "snapshot-99991231T000000Z-corrupt.mgws"
        try bytes.write(to: URL(fileURLWithPath: workspace.snapshots + "/" + corruptName))
        try Data((corruptName + "\n").utf8).write(to: URL(fileURLWithPath: workspace.snapshots + "/CURRENT"))
        var refused = false
        for _ in 0..<100 where !refused {
            let log = (try? String(contentsOfFile: logs, encoding: .utf8)) ?? ""
            refused = log.contains("refused snapshot") && log.contains(corruptName) && log.contains("section '")
            if !refused { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(refused)
        #expect(try await Harness.get(base, "/v1/snapshot").json["name"] as? String == servedName)
        #expect(try await Harness.get(base, "/v1/search?q=zyzzyva").json["total"] as? Int == 1)

        // Graceful shutdown on SIGTERM.
        daemon.terminate()
        await daemon.exited()
        #expect(daemon.terminationStatus == 0)
    }
}
