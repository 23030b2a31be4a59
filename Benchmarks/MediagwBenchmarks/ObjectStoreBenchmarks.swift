import Foundation
import MediaModel
import ObjectStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Upload and download throughput of one snapshot file against the store the `AWS_*`
/// variables name (multipart and ranged-parallel transfers against single requests), and, with
/// `fleet`, the time from `CURRENT` replaced to every daemon serving the new snapshot.
func runObjectStoreBenchmarks(file: String, location: String, fleet: [URL], repeats: Int) async throws {
    let location = try S3Location(parsing: location)
    let client = S3Client(configuration: try S3Configuration.resolve())
    let bucket = location.bucket
    let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
    let megabytes = Double(size) / 1_048_576
    print(String(format: "object store: %@, file %.1f MB (%@)", location.description, megabytes, file))
    let clock = ContinuousClock()
    let modes: [(String, TransferOptions)] = [
        ("multipart 8 MiB × 4", TransferOptions(partSize: 8 << 20, concurrency: 4, multipartThreshold: 16 << 20)),
        ("single request", TransferOptions(partSize: 1 << 40, concurrency: 1, multipartThreshold: Int.max)),
    ]
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mediagw-s3-\(UUID())").path
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    for (label, options) in modes {
        var uploads: [Double] = []
        var downloads: [Double] = []
        for index in 0..<repeats {
            let key = location.key("bench-\(index).bin")
            var start = clock.now
            try await client.upload(file: file, bucket: bucket, key: key, options: options)
            uploads.append(seconds(clock.now - start))
            let info = try await client.head(bucket: bucket, key: key)!
            let target = "\(scratch)/download-\(index)"
            start = clock.now
            try await client.download(info, bucket: bucket, to: target, options: options)
            downloads.append(seconds(clock.now - start))
            try? FileManager.default.removeItem(atPath: target)
            try await client.delete(bucket: bucket, key: key)
        }
        uploads.sort()
        downloads.sort()
        print(
            String(
                format: "  %@: upload median %.3f s (%.0f MB/s), download median %.3f s (%.0f MB/s), %d runs",
                label,
                percentile(uploads, 0.5),
                megabytes / percentile(uploads, 0.5),
                percentile(downloads, 0.5),
                megabytes / percentile(downloads, 0.5),
                repeats
            )
        )
    }
    guard !fleet.isEmpty else { return }
    // Each round: upload a copy under a new (newer) name, replace CURRENT, then poll every
    // daemon's /v1/snapshot until all serve it.
    let store = SnapshotBucket(client: client, location: location)
    var rounds: [Double] = []
    for round in 0..<repeats {
        let name = String(format: "snapshot-2999%04dT000000000Z-bench%03d.mgws", 101 + round, round)
        try await client.upload(
            file: file,
            bucket: bucket,
            key: location.key(name),
            metadata: [SnapshotBucket.checksumKey: try SnapshotBucket.checksum(ofFileAt: file)]
        )
        let start = clock.now
        try await client.put(
            bucket: bucket,
            key: location.key(SnapshotBucket.currentPointer),
            body: Data((name + "\n").utf8)
        )
        var waiting = Set(fleet)
        while !waiting.isEmpty {
            for base in waiting {
                let (data, _) = try await URLSession.shared.data(from: base.appendingPathComponent("v1/snapshot"))
                let served = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["name"] as? String
                if served == name { waiting.remove(base) }
            }
            if !waiting.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            guard clock.now - start < .seconds(120) else { throw MediaError(.io, "the fleet did not swap in 120 s") }
        }
        rounds.append(seconds(clock.now - start))
        print(
            String(
                format: "  round %d: all %d daemons served %@ %.2f s after CURRENT was replaced",
                round + 1,
                fleet.count,
                name,
                rounds.last!
            )
        )
    }
    _ = try await store.prune(keep: 2)
    rounds.sort()
    print(
        String(
            format: "  CURRENT replaced → all %d daemons serving: median %.2f s, max %.2f s over %d rounds",
            fleet.count,
            percentile(rounds, 0.5),
            rounds.last ?? 0,
            repeats
        )
    )
}
