import Foundation
import MediaModel
@testable import Snapshots
import TestSupport
import Testing

@Suite struct SnapshotDirectoryTests {
    func bytes(_ titles: [CanonicalTitle]) throws -> (Data, String) {
        let id = UUID()
        return (
            try SnapshotWriter().makeSnapshot(titles: titles, sourceCounts: [:], aliases: [:], buildID: id),
            id.uuidString
        )
    }

    @Test func publishSwapsCurrentAndPrunesToTheNewest() throws {
        let directory = SnapshotDirectory(path: temporaryDirectory() + "/published")
        var published: [String] = []
        for index in 0..<4 {
            let (data, id) = try bytes([makeTitle("mg\(index)", "Film \(index)")])
            published.append(
                try directory.publish(
                    data,
                    builtAt: Date(timeIntervalSince1970: Double(1_800_000_000 + index)),
                    buildID: id,
                    keep: 2
                ).path
            )
        }
        #expect(try directory.currentSnapshotPath() == published[3])
        #expect(directory.snapshotNames() == published.suffix(2).map { ($0 as NSString).lastPathComponent })
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasPrefix(".tmp")
        }
        #expect(leftovers.isEmpty)
    }

    @Test func buildsWithinOneSecondStillSortInBuildOrder() throws {
        let directory = SnapshotDirectory(path: temporaryDirectory())
        var published: [String] = []
        // Build ids chosen so that name order would be wrong if it fell back to them.
        for (offset, id) in [(0.1, "ffffffff"), (0.9, "00000000")] {
            let (data, _) = try bytes([makeTitle("mg\(id)", "Film")])
            published.append(
                try directory.publish(
                    data,
                    builtAt: Date(timeIntervalSince1970: 1_800_000_000 + offset),
                    buildID: id,
                    keep: 1
                ).path
            )
        }
        #expect(directory.snapshotNames() == [(published[1] as NSString).lastPathComponent])
        #expect(try directory.currentSnapshotPath() == published[1])
    }

    @Test func pruneNeverDeletesTheCurrentSnapshot() throws {
        let directory = SnapshotDirectory(path: temporaryDirectory())
        let (old, oldID) = try bytes([makeTitle("mg1", "Old")])
        let first = try directory.publish(
            old,
            builtAt: Date(timeIntervalSince1970: 1_800_000_000),
            buildID: oldID,
            keep: 5
        ).path
        let (new, newID) = try bytes([makeTitle("mg2", "New")])
        _ = try directory.publish(new, builtAt: Date(timeIntervalSince1970: 1_800_000_100), buildID: newID, keep: 5)
        try directory.point(at: (first as NSString).lastPathComponent)  // an operator rolled back
        try directory.prune(keep: 1)
        #expect(FileManager.default.fileExists(atPath: first))
        #expect(try directory.currentSnapshotPath() == first)
    }

    @Test func unwritableDirectoryIsAClearErrorAndNothingChanges() throws {
        let file = temporaryDirectory() + "/not-a-directory"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let directory = SnapshotDirectory(path: file + "/snapshots")
        let (data, id) = try bytes([makeTitle("mg1", "Film")])
        #expect {
            try directory.publish(data, buildID: id)
        } throws: { error in
            (error as? MediaError)?.code == .io && "\(error)".contains(file)
        }
    }

    /// A build that started earlier but finished later keeps its file and leaves the newer one
    /// current; CURRENT never moves back.
    @Test func anOlderBuildPublishedLaterDoesNotReplaceTheCurrentOne() throws {
        let directory = SnapshotDirectory(path: temporaryDirectory())
        let (newer, newerID) = try bytes([makeTitle("mg2", "Newer")])
        let (older, olderID) = try bytes([makeTitle("mg1", "Older")])
        let first = try directory.publish(newer, builtAt: Date(timeIntervalSince1970: 1_800_000_100), buildID: newerID)
        #expect(first.isCurrent)
        let second = try directory.publish(older, builtAt: Date(timeIntervalSince1970: 1_800_000_000), buildID: olderID)
        #expect(!second.isCurrent)
        #expect(second.current == (first.path as NSString).lastPathComponent)
        #expect(try directory.currentSnapshotPath() == first.path)
        #expect(FileManager.default.fileExists(atPath: second.path))
    }

    /// Publishers in several threads at once (the lock is per open file, so it serializes threads
    /// as it does processes): every one succeeds, CURRENT names the newest, nothing is left over.
    @Test func concurrentPublishersSerializeAndCurrentEndsOnTheNewest() async throws {
        let directory = SnapshotDirectory(path: temporaryDirectory())
        let names = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<12 {
                group.addTask {
                    let (data, id) = try self.bytes([makeTitle("mg\(index)", "Film \(index)")])
                    let builtAt = Date(timeIntervalSince1970: 1_800_000_000 + Double(index))
                    return try (directory.publish(data, builtAt: builtAt, buildID: id, keep: 20).path as NSString)
                        .lastPathComponent
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(try directory.currentSnapshotPath().map { ($0 as NSString).lastPathComponent } == names.max())
        #expect(directory.snapshotNames().count == 12)
        for name in directory.snapshotNames() { try Snapshot(path: directory.path + "/" + name).verify() }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasPrefix(".tmp") || $0.hasPrefix("CURRENT.tmp")
        }
        #expect(leftovers.isEmpty)
    }

    @Test func corruptBytesAreNeverPublished() throws {
        let directory = SnapshotDirectory(path: temporaryDirectory())
        let (good, goodID) = try bytes([makeTitle("mg1", "Good")])
        let current = try directory.publish(good, buildID: goodID).path
        var (bad, badID) = try bytes([makeTitle("mg2", "Bad")])
        bad[bad.count / 2] ^= 0xff
        #expect(throws: MediaError.self) { try directory.publish(bad, buildID: badID) }
        #expect(try directory.currentSnapshotPath() == current)
        #expect(directory.snapshotNames().count == 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasPrefix(".tmp")
        }
        #expect(leftovers.isEmpty)
    }

    @Test func fullDiskDuringWriteIsReported() throws {
        // /dev/full fails every write with ENOSPC, as a full file system does.
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        #expect {
            try SnapshotDirectory.writeDurably(Data(count: 4096), to: "/dev/full")
        } throws: { error in
            "\(error)".contains("No space left on device")
        }
    }

    @Test func nothingPublishedMeansNoCurrent() throws {
        #expect(try SnapshotDirectory(path: temporaryDirectory()).currentSnapshotPath() == nil)
    }
}

/// `mediagw snapshot diff`, through ``ChangeSet``.
@Suite struct SnapshotDiffTests {
    @Test func reportsTitleAndOfferChanges() throws {
        let rent = Offer(
            country: "US",
            service: "apple-tv-store",
            monetization: .rent,
            price: Price(amountText: "3.99", currency: "USD")
        )
        var cheaper = rent
        cheaper.price = Price(amountText: "2.99", currency: "USD")
        let old = try Snapshot(
            path: try writeSnapshot([
                makeTitle("mg1", "Kept", offers: [rent]),
                makeTitle("mg2", "Removed"),
                makeTitle(
                    "mg3",
                    "Renamed",
                    year: 2000,
                    offers: [Offer(country: "US", service: "netflix", monetization: .subscription)]
                ),
            ])
        )
        let new = try Snapshot(
            path: try writeSnapshot([
                makeTitle("mg1", "Kept", offers: [cheaper]),
                makeTitle(
                    "mg3",
                    "Renamed!",
                    year: 2000,
                    offers: [Offer(country: "GB", service: "netflix", monetization: .subscription)]
                ),
                makeTitle("mg4", "Added"),
            ])
        )
        let diff = try ChangeSet(old: old, oldName: "old", new: new)
        #expect(diff.count(.titleAdded) == 1)
        #expect(diff.count(.titleRemoved) == 1)
        #expect(diff.count(.titleChanged) == 1)
        #expect(diff.count(.offerAdded) == 1)
        #expect(diff.count(.offerRemoved) == 1)
        #expect(diff.count(.priceChanged) == 1)
        #expect(diff.changes.first { $0.kind == .priceChanged }?.detail?.contains("3.99 USD → 2.99 USD") == true)
        #expect(diff.changes.first { $0.kind == .titleChanged }?.detail == "title")
        #expect(try ChangeSet(old: new, oldName: "new", new: new).changes.isEmpty)
    }
}
