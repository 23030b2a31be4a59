import Foundation
import TestSupport
import Testing

/// Change events on a real NATS server with JetStream, read back by an independent client
/// (nats-py): every change of every publish arrives once, in order, through a stream that
/// refuses part of a publish, a broker that is down, and a broker killed and restarted.
@Suite(.serialized) struct ChangeEventTests {
    /// The sample's offer records for the first `count` titles, every price raised by `cents`:
    /// one change set of price changes when imported over the sample.
    static func repricedOffers(_ count: Int, cents: Int, in workspace: Harness.Workspace) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/zstd")
        process.arguments = ["-dc", Harness.sample("offers.jsonl.zst")]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        await process.exited()
        var lines: [String] = []
        for line in data.split(separator: 0x0A).prefix(count) {
            var record = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            let offers = (record["offers"] as? [[String: Any]] ?? []).map { offer -> [String: Any] in
                var offer = offer
                if var price = offer["price"] as? [String: Any], let amount = Double(price["amount"] as? String ?? "") {
                    price["amount"] = String(format: "%.2f", amount + Double(cents) / 100)
                    offer["price"] = price
                }
                return offer
            }
            record["offers"] = offers
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self))
        }
        let file = workspace.root + "/offers-\(count)-\(cents).jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    static func changeFiles(_ workspace: Harness.Workspace) -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: workspace.snapshots + "/changes")) ?? []
        return Set(names.filter { $0.hasSuffix(".jsonl") })
    }

    /// Imports ``repricedOffers(_:cents:in:)`` over the workspace's offers.
    @discardableResult
    static func importRepriced(_ count: Int, cents: Int, into workspace: Harness.Workspace) async throws
        -> Harness.Result
    {
        let result = try await Harness.run(
            ["import", try await repricedOffers(count, cents: cents, in: workspace), "--source", "offers"],
            in: workspace
        )
        #expect(result.status == 0, "\(result.stderr)")
        return result
    }

    /// Every change line of the workspace's change files but `excluded`, by `to-build.index`.
    static func changeLines(_ workspace: Harness.Workspace, excluding excluded: Set<String>) throws -> [String: [String:
        Any]]
    {
        let directory = workspace.snapshots + "/changes"
        var result: [String: [String: Any]] = [:]
        for name in changeFiles(workspace).subtracting(excluded) {
            let lines = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)).split(separator: 0x0A)
            let header = try #require(try JSONSerialization.jsonObject(with: Data(lines[0])) as? [String: Any])
            let to = try #require(header["to"] as? String)
            for (index, line) in lines.dropFirst().enumerated() {
                result["\(to).\(index)"] = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
            }
        }
        return result
    }

    static func streamed(_ nats: NATSServer) throws -> [[String: Any]] {
        try nats.jetstream(["read", "CHANGES"]).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    static func build(_ workspace: Harness.Workspace, _ nats: NATSServer) async throws -> Harness.Result {
        try await Harness.run(["build", "--no-embeddings", "--no-progress", "--events-nats", nats.url], in: workspace)
    }

    @Test func everyChangeArrivesOnceThroughARefusalAnOutageAndAKill() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        // The stream takes 40 messages, then refuses new ones: a publish cut off part way.
        _ = try nats.jetstream(["create", "CHANGES", "mediagw.changes.>", "40"])
        let workspace = try await PipelineTests.publishedSample()

        try await Self.importRepriced(300, cents: 100, into: workspace)
        let before = Self.changeFiles(workspace)
        let cut = try await Self.build(workspace, nats)
        #expect(cut.status == 2, "only the events failed: \(cut.stdout) \(cut.stderr)")
        #expect(cut.stdout.contains("published "), "the snapshot stands: \(cut.stdout)")
        #expect(cut.stderr.contains("the snapshot is published, its change events are not"), "\(cut.stderr)")
        #expect(cut.stderr.contains("still to send, and the next publish sends them"), "\(cut.stderr)")
        #expect(try Self.streamed(nats).count == 40)

        // Room again: the next build changes nothing and sends the rest, from where it stopped.
        _ = try nats.jetstream(["limit", "CHANGES", "0"])
        let rest = try await Self.build(workspace, nats)
        #expect(rest.status == 0, "\(rest.stdout) \(rest.stderr)")
        #expect(rest.stdout.contains("unchanged"), "\(rest.stdout)")
        // Exactly the changes the stream refused: the ledger resumed at 40, nothing was sent twice.
        let cutSet = try #require(Self.changeFiles(workspace).subtracting(before).first)
        let total = try Self.changeLines(workspace, excluding: Self.changeFiles(workspace).subtracting([cutSet])).count
        #expect(
            rest.stdout.contains("change events: \(total - 40) change events in 1 change sets acknowledged\n"),
            "\(rest.stdout)"
        )

        // The broker is down for a publish: exit 2, the snapshot published, nothing lost.
        nats.stop()
        try await Self.importRepriced(100, cents: 200, into: workspace)
        let down = try await Self.build(workspace, nats)
        #expect(down.status == 2, "\(down.stdout) \(down.stderr)")
        #expect(down.stdout.contains("published "), "\(down.stdout)")
        #expect(down.stderr.contains("cannot connect to the NATS server at \(nats.url)"), "\(down.stderr)")
        try nats.start()
        #expect(try await Self.build(workspace, nats).status == 0)

        // Killed while a large change set is on its way, then restarted on the same store.
        try await Self.importRepriced(2952, cents: 300, into: workspace)
        let (process, out, err) = Harness.makeProcess(
            ["build", "--no-embeddings", "--no-progress", "--events-nats", nats.url],
            in: workspace
        )
        try process.run()
        var killed = false
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning, Date() < deadline {
            // Once some of this set's events are in the stream, the broker dies.
            if !killed,
                let count = try? nats.jetstream(["count", "CHANGES"]).trimmingCharacters(in: .whitespacesAndNewlines),
                let messages = Int(count), messages > 400
            {
                nats.stop(signal: SIGKILL)
                killed = true
            }
            usleep(20_000)
        }
        await process.exited()
        _ = out
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        try nats.start()
        if killed {
            #expect(process.terminationStatus == 2, "\(stderr)")
        }
        let resumed = try await Self.build(workspace, nats)
        #expect(resumed.status == 0, "\(resumed.stdout) \(resumed.stderr)")

        // Every change of every change file since events began is in the stream exactly once,
        // under its id, on its subject, with its content.
        let messages = try Self.streamed(nats)
        let ids = messages.compactMap { $0["id"] as? String }
        #expect(ids.count == messages.count && Set(ids).count == ids.count, "no change twice")
        let lines = try Self.changeLines(workspace, excluding: before)
        let missing = Set(lines.keys).subtracting(ids)
        let extra = Set(ids).subtracting(lines.keys)
        #expect(missing.isEmpty && extra.isEmpty, "\(missing.count) missing, \(extra.count) not in a change file")
        #expect(lines.count > 5000, "the sets were large enough to matter: \(lines.count)")
        #expect(killed, "the broker was killed while the large set was on its way")
        for message in messages {
            let id = try #require(message["id"] as? String)
            let data = try #require(message["data"] as? [String: Any])
            let change = try #require(data["change"] as? [String: Any])
            #expect(NSDictionary(dictionary: change).isEqual(to: try #require(lines[id])), "\(id)")
            let kind = try #require(change["kind"] as? String)
            let country = change["country"] as? String ?? "_"
            let service = (change["service"] as? String ?? "_").replacingOccurrences(of: ".", with: "_")
            #expect(message["subject"] as? String == "mediagw.changes.\(kind).\(country).\(service)")
        }
    }

    /// A sink's very first delivery finds the broker down: the set it owed is still owed, and
    /// the next publish sends it before its own.
    @Test func aFirstDeliveryThatFailsIsNotForgotten() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        _ = try nats.jetstream(["create", "CHANGES", "mediagw.changes.>"])
        nats.stop()
        let workspace = try await PipelineTests.publishedSample()
        let before = Self.changeFiles(workspace)
        try await Self.importRepriced(20, cents: 100, into: workspace)
        #expect(try await Self.build(workspace, nats).status == 2)
        try nats.start()
        try await Self.importRepriced(10, cents: 200, into: workspace)
        let next = try await Self.build(workspace, nats)
        #expect(next.status == 0, "\(next.stdout) \(next.stderr)")
        #expect(next.stdout.contains(" in 2 change sets acknowledged"), "\(next.stdout)")
        let ids = try Self.streamed(nats).compactMap { $0["id"] as? String }
        let lines = try Self.changeLines(workspace, excluding: before)
        #expect(Set(ids) == Set(lines.keys) && ids.count == lines.count, "\(ids.count) of \(lines.count)")
    }

    @Test func badSettingsAreNamed() async throws {
        let workspace = Harness.Workspace()
        let spaces = try await Harness.run(
            ["build", "--events-nats", "nats://127.0.0.1:4222", "--events-prefix", "my changes"],
            in: workspace
        )
        #expect(spaces.status == 64)
        #expect(spaces.stderr.contains("subject prefix 'my changes' is not a NATS subject"), "\(spaces.stderr)")
        let secret = try await Harness.run(
            ["build", "--events-nats", "nats://user:hunter2@127.0.0.1:4222"],
            in: workspace
        )
        #expect(secret.status == 64)
        #expect(secret.stderr.contains("must not hold credentials"), "\(secret.stderr)")
        #expect(!secret.stderr.contains("hunter2"))
        let tls = try await Harness.run(["build", "--events-nats", "tls://127.0.0.1:4222"], in: workspace)
        #expect(tls.status == 64 && tls.stderr.contains("TLS is not supported"), "\(tls.stderr)")
    }
}
