import Foundation
import MediaModel
@testable import ObjectStore
import Snapshots
import TestSupport
import Testing

/// Publishing snapshots to a real S3-compatible server and fetching them back.
@Suite struct SnapshotBucketTests {
    let server: SeaweedFS
    let client: S3Client
    let store: SnapshotBucket

    init() async throws {
        server = try SeaweedFS.shared()
        client = S3Client(configuration: S3ClientTests.configuration(server))
        let bucket = "b-\(UUID().uuidString.prefix(8).lowercased())"
        try await client.createBucket(bucket)
        store = SnapshotBucket(client: client, location: S3Location(bucket: bucket, prefix: "prod/films"))
    }

    /// Publishes a snapshot of `count` titles into a local directory; returns its path.
    func localSnapshot(_ count: Int, in directory: SnapshotDirectory, at date: Date = Date()) throws -> String {
        let titles = (0..<count).map { makeTitle("mg\($0)", "Film \($0)", year: 2000) }
        let id = UUID()
        let bytes = try SnapshotWriter().makeSnapshot(titles: titles, sourceCounts: [:], aliases: [:], buildID: id)
        return try directory.publish(bytes, builtAt: date, buildID: id.uuidString).path
    }

    @Test func publishUploadsThenPointsCurrentAndARepeatUploadsNothing() async throws {
        let local = SnapshotDirectory(path: temporaryDirectory("local"))
        let path = try localSnapshot(3, in: local)
        let name = (path as NSString).lastPathComponent
        let first = try await store.publish(snapshotAt: path)
        #expect(first.uploaded && first.isCurrent && first.current == name)
        #expect(try await store.current() == .names(.init(name: name, etag: try currentETag())))
        let object = try #require(try await client.head(bucket: store.location.bucket, key: "prod/films/\(name)"))
        #expect(object.metadata["sha256"] == (try SnapshotBucket.checksum(ofFileAt: path)))
        let again = try await store.publish(snapshotAt: path)
        #expect(!again.uploaded && again.isCurrent)

        // An object of that name with other content is never overwritten, and CURRENT stays.
        let other = try localSnapshot(4, in: local)
        let otherName = (other as NSString).lastPathComponent
        try await client.put(bucket: store.location.bucket, key: "prod/films/\(otherName)", body: Data("not it".utf8))
        let error = try #require(await #expect(throws: MediaError.self) { try await store.publish(snapshotAt: other) })
        #expect(error.code == .refused && error.message.contains("immutable"))
        #expect(try await store.current() == .names(.init(name: name, etag: try currentETag())))
    }

    func currentETag() async throws -> String {
        try #require(try await client.head(bucket: store.location.bucket, key: "prod/films/CURRENT")).etag
    }

    @Test func changeFilesTravelWithTheirSnapshotsAndLeaveWithThem() async throws {
        let local = SnapshotDirectory(path: temporaryDirectory("local"))
        var names: [String] = []
        for index in 0..<3 {
            let path = try localSnapshot(index + 1, in: local, at: Date(timeIntervalSinceNow: Double(index - 10)))
            let name = (path as NSString).lastPathComponent
            names.append(name)
            try FileManager.default.createDirectory(atPath: local.changesDirectory, withIntermediateDirectories: true)
            try Data("change file \(index)\n".utf8).write(to: URL(fileURLWithPath: local.changesPath(for: name)))
            _ = try await store.publish(snapshotAt: path, keep: 2)
        }
        let remote = try await client.list(bucket: store.location.bucket, prefix: "prod/films/changes/").map(\.key)
        #expect(remote.count == 2, "the oldest snapshot's change file went with it: \(remote)")
        let cache = SnapshotDirectory(path: temporaryDirectory("cache"))
        try FileManager.default.createDirectory(atPath: cache.changesDirectory, withIntermediateDirectories: true)
        try Data("stale".utf8).write(to: URL(fileURLWithPath: cache.changesPath(for: names[0])))
        #expect(try await store.syncChangeFiles(into: cache) == 2)
        #expect(cache.changeFileSnapshots() == Array(names.suffix(2)))
        #expect(try await store.syncChangeFiles(into: cache) == 0, "nothing again when nothing changed")
    }

    @Test func currentNeverMovesBackToAnOlderBuild() async throws {
        let local = SnapshotDirectory(path: temporaryDirectory("local"))
        let older = try localSnapshot(2, in: local, at: Date(timeIntervalSinceNow: -60))
        let newer = try localSnapshot(3, in: local)
        _ = try await store.publish(snapshotAt: newer)
        let late = try await store.publish(snapshotAt: older)
        #expect(late.uploaded && !late.isCurrent && late.current == (newer as NSString).lastPathComponent)
    }

    @Test func retentionKeepsTheNewestAndWhatAnyPointerNames() async throws {
        let local = SnapshotDirectory(path: temporaryDirectory("local"))
        var names: [String] = []
        for index in 0..<4 {
            let path = try localSnapshot(index + 1, in: local, at: Date(timeIntervalSinceNow: Double(index - 10)))
            names.append((path as NSString).lastPathComponent)
            _ = try await store.publish(snapshotAt: path, keep: 10)
            if index == 0 {
                // An operator's pointer keeps the first build.
                try await client.put(
                    bucket: store.location.bucket,
                    key: "prod/films/PREVIOUS",
                    body: Data(names[0].utf8)
                )
            }
        }
        let pruned = try await store.prune(keep: 2)
        #expect(pruned == [names[1]])
        #expect(
            try await store.snapshotObjects().map { ($0.key as NSString).lastPathComponent } == [
                names[0], names[2], names[3],
            ]
        )
    }

    @Test func fetchInstallsAVerifiedCopyAndRefusesACorruptObjectByName() async throws {
        let local = SnapshotDirectory(path: temporaryDirectory("local"))
        let path = try localSnapshot(5, in: local)
        let name = (path as NSString).lastPathComponent
        _ = try await store.publish(snapshotAt: path)
        let cache = SnapshotDirectory(path: temporaryDirectory("cache"))
        // A partial download of a snapshot CURRENT no longer names is not kept.
        let stale = cache.path + "/.tmp-download-snapshot-old.mgws"
        try Data("partial".utf8).write(to: URL(fileURLWithPath: stale))
        let fetched = try await store.fetch(name, into: cache)
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(try cache.currentSnapshotPath() == fetched)
        #expect(try Snapshot.verified(path: fetched).documentCount == 5)

        // The same object, one byte flipped, with its metadata intact.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0x01
        let checksum = try SnapshotBucket.checksum(ofFileAt: path)
        let corrupt = "snapshot-29990101T000000000Z-deadbeef.mgws"
        try await client.put(
            bucket: store.location.bucket,
            key: "prod/films/\(corrupt)",
            body: bytes,
            metadata: ["sha256": checksum]
        )
        let error = try #require(await #expect(throws: MediaError.self) { try await store.fetch(corrupt, into: cache) })
        #expect(error.code == .corruptSnapshot && error.message.contains(corrupt))
        #expect(try cache.currentSnapshotPath() == fetched)
        #expect(cache.snapshotNames() == [name])
    }

    @Test func anAbandonedMultipartUploadIsAbortedByTheNextPublish() async throws {
        let bucket = store.location.bucket
        let id = try await client.createMultipartUpload(bucket: bucket, key: "prod/films/snapshot-partial.mgws")
        _ = try await client.uploadPart(
            bucket: bucket,
            key: "prod/films/snapshot-partial.mgws",
            uploadID: id,
            number: 1,
            body: Data(count: 5 << 20)
        )
        #expect(try await client.listMultipartUploads(bucket: bucket, prefix: "prod/").count == 1)
        #expect(try await store.abortAbandonedUploads(olderThan: 0) == 1)
        #expect(try await client.listMultipartUploads(bucket: bucket, prefix: "prod/").isEmpty)
        // Nothing of it is visible: no CURRENT, no object.
        #expect(try await store.current() == .missing)
        #expect(try await store.snapshotObjects().isEmpty)
    }
}
