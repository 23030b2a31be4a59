import Foundation
import Jobs
import MediaModel
import Snapshots
import Staging
import Testing

/// Importing and publishing onto a file system that fills up, using a real 1 MiB tmpfs.
/// Mounting needs root (as CI runs); elsewhere the tests say so and check nothing.
@Suite(.serialized) struct FullDiskTests {
    static func mountSmallFileSystem() -> String? {
        let path = temporaryPath("tiny")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=1m", "tmpfs", path]
        mount.standardError = FileHandle.nullDevice
        guard (try? mount.run()) != nil else { return nil }
        mount.waitUntilExit()
        return mount.terminationStatus == 0 ? path : nil
    }

    static func unmount(_ path: String) {
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = [path]
        try? umount.run()
        umount.waitUntilExit()
    }

    @Test func fullDiskDuringPublishKeepsThePreviousSnapshotCurrent() throws {
        guard let mountPoint = Self.mountSmallFileSystem() else {
            print("FullDiskTests: cannot mount a tmpfs here (not root?); skipped")
            return
        }
        defer { Self.unmount(mountPoint) }
        let directory = SnapshotDirectory(path: mountPoint + "/snapshots")
        let small = try SnapshotWriter().makeSnapshot(
            titles: [CanonicalTitle(id: "mg1", kind: .movie, title: "Small")],
            sourceCounts: [:],
            aliases: [:]
        )
        let first = try directory.publish(small, buildID: "small000").path
        // About 1.5 MB after compression (random letters): cannot fit in what is left of 1 MiB.
        var generator = SystemRandomNumberGenerator()
        let big = (0..<3000).map { index in
            let letters = (0..<800).map { _ in UInt8.random(in: 97...122, using: &generator) }
            var title = CanonicalTitle(id: "mg\(index + 10)", kind: .movie, title: "Big \(index)")
            title.overview = String(decoding: letters, as: UTF8.self)
            return title
        }
        let bytes = try SnapshotWriter(compressionLevel: 1).makeSnapshot(titles: big, sourceCounts: [:], aliases: [:])
        #expect(bytes.count > 1 << 20)
        #expect {
            try directory.publish(bytes, buildID: "big00000")
        } throws: { error in
            (error as? MediaError)?.code == .io && "\(error)".contains("No space left on device")
        }
        #expect(try directory.currentSnapshotPath() == first)
        #expect(try Snapshot(path: first).documentCount == 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasPrefix(".tmp")
        }
        #expect(leftovers.isEmpty)
    }

    @Test func fullDiskDuringImportKeepsEveryCommittedPageAndFailsTheRun() throws {
        guard let mountPoint = Self.mountSmallFileSystem() else {
            print("FullDiskTests: cannot mount a tmpfs here (not root?); skipped")
            return
        }
        defer { Self.unmount(mountPoint) }
        // About 3 MB of distinct records: staging them cannot fit in 1 MiB.
        let file = try writeLines((0..<12_000).map { line("\($0)", "Film number \($0) \(UUID()) \(UUID())") })
        let store = try StagingStore(path: mountPoint + "/staging.sqlite")
        #expect {
            _ = try CatalogImporter(source: "big", pageSize: 500, logger: logger).importFile(file, into: store)
        } throws: { error in
            (error as? MediaError)?.code == .io && "\(error)".contains("full")
        }
        let position = try store.cursor(job: "import:big", stream: "catalog.jsonl") ?? "{}"
        let committed =
            (try? JSONSerialization.jsonObject(with: Data(position.utf8)) as? [String: Any])?["line"] as? Int ?? -1
        #expect(committed > 0 && committed < 12_000)
        // Records and cursor commit together, so exactly the committed lines are staged.
        #expect(try store.liveRecords().count == committed)
        // The run says what it committed. Marking it failed needs room the disk may no longer
        // have; then it stays running until the next run of the job marks it interrupted.
        let run = try #require(try store.runs(job: "import:big").first)
        #expect([.failed, .running].contains(run.outcome))
        #expect(run.counts.read == committed && run.counts.new == committed)
    }
}
