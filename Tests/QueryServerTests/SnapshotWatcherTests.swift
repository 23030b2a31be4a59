import Foundation
import Logging
import MediaModel
@testable import QueryServer
import Snapshots
import TestSupport
import Testing

/// A daemon whose `CURRENT` names a damaged file keeps serving the snapshot it has.
@Suite struct SnapshotWatcherTests {
    static let titles = (0..<40).map { makeTitle(String(format: "mg%04d", $0), "Film \($0)", year: 2000) }

    static func makeWatcher() throws -> (SnapshotWatcher, SnapshotHolder, ServerMetrics, SnapshotDirectory) {
        let directory = try publishedDirectory(titles)
        let holder = SnapshotHolder()
        let metrics = ServerMetrics()
        let watcher = SnapshotWatcher(
            directory: directory,
            holder: holder,
            metrics: metrics,
            interval: .seconds(1),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        watcher.reload(after: nil)
        return (watcher, holder, metrics, directory)
    }

    @Test func everyFlippedBitOfTheHeaderTableAndFooterIsRefusedWhileTheGoodSnapshotServes() throws {
        let (watcher, holder, metrics, directory) = try Self.makeWatcher()
        let good = try #require(holder.current?.name)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: try #require(try directory.currentSnapshotPath())))
        let footerStart = bytes.count - 64
        let tableOffset = Int(bytes[footerStart..<footerStart + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) })
        var lastSeen: String? = good
        var flips = 0
        for byte in Array(0..<32) + Array(tableOffset..<bytes.count) {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[byte] ^= UInt8(1 << bit)
                // Two names in turn, so that each damaged file is a change of CURRENT.
                let name = "snapshot-99990101T000000000Z-flip\(flips % 2).mgws"
                try damaged.write(to: URL(fileURLWithPath: directory.path + "/" + name), options: .atomic)
                try Data((name + "\n").utf8).write(
                    to: URL(fileURLWithPath: directory.currentPointerPath),
                    options: .atomic
                )
                lastSeen = watcher.reload(after: lastSeen)
                #expect(lastSeen == name)
                #expect(holder.current?.name == good, "byte \(byte) bit \(bit) was served")
                flips += 1
            }
        }
        #expect(metrics.render().contains("mediagw_snapshot_refused_total \(flips)"))
        #expect(try holder.current?.engine.search(.init(text: "film")).total == 40)
    }

    @Test func anEmptyCurrentIsRefusedOnceAndCounted() throws {
        let (watcher, holder, metrics, directory) = try Self.makeWatcher()
        let good = try #require(holder.current?.name)
        try Data().write(to: URL(fileURLWithPath: directory.currentPointerPath))
        var lastSeen: String? = good
        for _ in 0..<5 { lastSeen = watcher.reload(after: lastSeen) }
        #expect(metrics.render().contains("mediagw_snapshot_refused_total 1"))
        #expect(holder.current?.name == good)
        // Once CURRENT names a good file again, the watcher reads it (and refuses nothing more).
        try directory.point(at: good)
        #expect(watcher.reload(after: lastSeen) == good)
        #expect(metrics.render().contains("mediagw_snapshot_refused_total 1"))
    }

    /// A daemon that starts with a bad CURRENT has nothing to keep serving, and says so.
    @Test func aRefusalSaysWhatIsStillServed() throws {
        let directory = try publishedDirectory(Self.titles)
        let good = try #require(try directory.currentSnapshotPath())
        try Data("missing.mgws\n".utf8).write(to: URL(fileURLWithPath: directory.currentPointerPath))
        let capture = LogCapture()
        let holder = SnapshotHolder()
        let watcher = SnapshotWatcher(
            directory: directory,
            holder: holder,
            metrics: ServerMetrics(),
            interval: .seconds(1),
            logger: Logger(label: "test", factory: { _ in capture })
        )
        let seen = watcher.reload(after: nil)
        #expect(capture.text.contains("refused snapshot; serving nothing until a good snapshot is published"))
        #expect(!capture.text.contains("still serving"))
        try directory.point(at: (good as NSString).lastPathComponent)
        let served = watcher.reload(after: seen)
        try Data("missing.mgws\n".utf8).write(to: URL(fileURLWithPath: directory.currentPointerPath))
        watcher.reload(after: served)
        #expect(capture.text.contains("refused snapshot; still serving the previous snapshot \(served!)"))
    }
}
