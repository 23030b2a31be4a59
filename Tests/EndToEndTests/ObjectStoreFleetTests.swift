import Foundation
import MediaModel
import ObjectStore
import TestSupport
import Testing

/// One builder and three stateless daemons on a real S3-compatible server (SeaweedFS).
@Suite(.serialized) struct ObjectStoreFleetTests {
    static let location = "s3://fleet/prod"
    static let pollInterval = 1.0

    @Test func aFleetFollowsTheStoreRefusesACorruptObjectAndOutlivesTheStore() async throws {
        // A server of this test's own: the test stops it.
        let server = try SeaweedFS()
        defer { server.stop() }
        let client = S3Client(
            configuration: S3Configuration(
                endpoint: server.endpoint,
                credentials: S3Credentials(accessKeyID: server.accessKey, secretAccessKey: server.secretKey)
            )
        )
        try await client.createBucket("fleet")
        var setup = Harness.Workspace()
        setup.extraEnvironment = server.environment
        let workspace = setup

        // Build and publish to the bucket.
        _ = try await Harness.run(
            ["import", Harness.sample("catalog.jsonl.zst"), "--source", "wikidata"],
            in: workspace
        )
        let first = try await Harness.run(["build", "--no-embeddings", "--publish-to", Self.location], in: workspace)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("uploaded to \(Self.location)/snapshot-"), "\(first.stdout)")
        let firstName = try #require(try await Self.current(client))

        // Three daemons, each with a cache of its own.
        var daemons: [(process: Process, base: URL, logs: String)] = []
        defer { for daemon in daemons { daemon.process.terminate() } }
        for index in 0..<3 {
            daemons.append(
                try await Harness.serve(
                    in: workspace,
                    extra: [
                        "--from", Self.location, "--cache", workspace.root + "/cache\(index)",
                        "--store-poll-interval", "\(Self.pollInterval)",
                    ]
                )
            )
        }
        for daemon in daemons {
            let ready = try await Harness.get(daemon.base, "/readyz")
            #expect(ready.status == 200)
            #expect(ready.json["snapshot"] as? String == firstName)
            #expect((ready.json["store"] as? [String: Any])?["stale"] as? Bool == false)
            let taxi = try await Harness.get(daemon.base, "/v1/search?q=taxi%20driver&limit=1")
            #expect(taxi.status == 200)
        }

        let firstBuild = try #require(
            (try await Harness.get(daemons[0].base, "/v1/snapshot").json["metadata"] as? [String: Any])?["buildID"]
                as? String
        )
        // Publish a new build while a bounded load runs against all three. Each client also
        // reads its daemon's store checks right after the publish returns, so the test can tell
        // how many polls the change took to be served (wall time stretches on a busy machine).
        let bases = daemons.map(\.base)
        let published = LockedBox<ContinuousClock.Instant?>(nil)
        typealias Outcome = (
            daemon: Int, failed: Int, requests: Int, servedNewAfter: Duration?, checksAtPublish: Int?
        )
        let results = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for (daemon, base) in bases.enumerated() {
                group.addTask {
                    var failed = 0
                    var requests = 0
                    var servedNewAfter: Duration?
                    var checksAtPublish: Int?
                    let deadline = ContinuousClock.now + .seconds(120)
                    while servedNewAfter == nil && ContinuousClock.now < deadline {
                        if checksAtPublish == nil, published.value != nil {
                            let ready = try? await Harness.get(base, "/readyz")
                            checksAtPublish = (ready?.json["store"] as? [String: Any])?["checks"] as? Int
                        }
                        let response = try? await Harness.get(base, "/v1/search?q=taxi&limit=5")
                        requests += 1
                        if response?.status != 200 { failed += 1 }
                        if let name = try? await Harness.get(base, "/v1/snapshot").json["name"] as? String,
                            name != firstName
                        {
                            servedNewAfter = published.value.map { ContinuousClock.now - $0 } ?? .zero
                        }
                    }
                    return (daemon, failed, requests, servedNewAfter, checksAtPublish)
                }
            }
            group.addTask {
                _ = try await Harness.run(
                    ["import", Harness.fixture("bad-lines.jsonl"), "--source", "extra"],
                    in: workspace
                )
                let build = try await Harness.run(
                    ["build", "--no-embeddings", "--publish-to", Self.location],
                    in: workspace
                )
                published.value = ContinuousClock.now
                return (-1, build.status == 0 ? 0 : 1000, 0, nil, nil)
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let secondName = try #require(try await Self.current(client))
        #expect(secondName != firstName)
        #expect(results.map(\.failed).reduce(0, +) == 0, "\(results)")
        let clients = results.filter { $0.requests > 0 }
        #expect(clients.count == 3 && clients.allSatisfy { $0.servedNewAfter != nil }, "\(results)")
        // Within two polls of the publish finishing: the check under way when CURRENT changed may
        // have read the old pointer; the next one downloads and installs. (A daemon that swapped
        // while the build command was still exiting read its checks after the install.)
        // (Results arrive in the order the clients finished: each says which daemon it loaded.)
        for client in clients {
            let base = bases[client.daemon]
            let store = try await Harness.get(base, "/readyz").json["store"] as? [String: Any]
            let installedAt = try #require(store?["installedAtCheck"] as? Int)
            if let before = client.checksAtPublish {
                #expect(installedAt - before <= 2, "installed at check \(installedAt), \(before) at the publish")
            }
            // (No checks read: the publish returned while this client's last request was under
            // way, and that request already saw the new build.)
        }
        print("fleet: each daemon served the new build \(clients.map { "\($0.servedNewAfter!)" }) after the publish")
        for base in bases {
            #expect(try await Harness.get(base, "/v1/search?q=zyzzyva").json["total"] as? Int == 1)
            // The publish's change file came along: the daemon knows what changed since the first build.
            let changes = try await Harness.get(base, "/v1/changes?since=\(firstBuild)&kind=title-added")
            #expect(changes.status == 200, "\(changes.json)")
            let added = (changes.json["changes"] as? [[String: Any]] ?? []).compactMap {
                ($0["change"] as? [String: Any])?["title"] as? String
            }
            #expect(added.contains("Zyzzyva Nights"), "\(changes.json)")
        }

        // A corrupt object — one flipped byte — that CURRENT then names: all three refuse it.
        let secondKey = "prod/\(secondName)"
        guard case .object(var bytes, let info) = try await client.get(bucket: "fleet", key: secondKey) else {
            Issue.record("the published object is missing")
            return
        }
        bytes[bytes.count / 3] ^= 0x10
        let corruptName = "snapshot-29991231T000000000Z-c0ffee00.mgws"
        try await client.put(bucket: "fleet", key: "prod/\(corruptName)", body: bytes, metadata: info.metadata)
        try await client.put(bucket: "fleet", key: "prod/CURRENT", body: Data((corruptName + "\n").utf8))
        for (index, base) in bases.enumerated() {
            var refused: String?
            for _ in 0..<100 where refused == nil {
                let ready = try await Harness.get(base, "/readyz")
                refused = (ready.json["store"] as? [String: Any])?["refused"] as? String
                if refused == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(refused == corruptName)
            let ready = try await Harness.get(base, "/readyz")
            #expect(ready.status == 200 && ready.json["snapshot"] as? String == secondName)
            #expect((ready.json["store"] as? [String: Any])?["behind"] as? Bool == true)
            #expect(try await Harness.get(base, "/v1/search?q=zyzzyva").json["total"] as? Int == 1)
            let logs = (try? String(contentsOfFile: daemons[index].logs, encoding: .utf8)) ?? ""
            #expect(logs.contains("refused snapshot from the object store"))
            #expect(logs.contains(corruptName))
        }

        // A wrong secret: a clear error naming the bucket, the secret never printed.
        var wrong = workspace
        let wrongSecret = "wrong-\(UUID())"
        wrong.extraEnvironment["AWS_SECRET_ACCESS_KEY"] = wrongSecret
        let refused = try await Harness.run(["snapshot", "info", Self.location], in: wrong)
        #expect(refused.status == 78, "\(refused.stderr)")
        #expect(refused.stderr.contains("SignatureDoesNotMatch") && refused.stderr.contains("bucket 'fleet'"))
        #expect(!refused.stderr.contains(wrongSecret) && !refused.stdout.contains(wrongSecret))

        // The store goes away: the daemons keep serving from their caches and say they are stale.
        server.stop()
        for (index, base) in bases.enumerated() {
            var stale = false
            for _ in 0..<150 where !stale {
                let ready = try await Harness.get(base, "/readyz")
                stale = (ready.json["store"] as? [String: Any])?["stale"] as? Bool == true
                if !stale { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(stale, "daemon \(index) did not report a stale store")
            let search = try await Harness.get(base, "/v1/search?q=taxi")
            #expect(search.status == 200)
        }
        // A daemon that starts while the store is down serves what its cache holds.
        let (lateProcess, lateBase, _) = try await Harness.serve(
            in: workspace,
            extra: ["--from", Self.location, "--cache", workspace.root + "/cache0", "--store-poll-interval", "1"]
        )
        defer { lateProcess.terminate() }
        let lateReady = try await Harness.get(lateBase, "/readyz")
        #expect(lateReady.status == 200 && lateReady.json["snapshot"] as? String == secondName)
        #expect((lateReady.json["store"] as? [String: Any])?["stale"] as? Bool == true)
    }

    static func current(_ client: S3Client) async throws -> String? {
        guard case .object(let body, _) = try await client.get(bucket: "fleet", key: "prod/CURRENT") else { return nil }
        return String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A value several tasks read and one sets.
final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
