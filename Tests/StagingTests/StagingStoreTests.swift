import Foundation
import MediaModel
import Staging
import Testing

/// A staging database in a fresh temporary directory.
func makeStore() throws -> StagingStore {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("staging-\(UUID())")
    return try StagingStore(path: directory.appendingPathComponent("staging.sqlite").path)
}

func page(
    _ records: [SourceRecord],
    source: String = "s",
    rejections: [PageRejection] = [],
    cursor: String? = nil
)
    -> StagedPage
{
    StagedPage(
        source: source,
        raw: Data("raw \(records.map(\.id)) \(rejections.map(\.location))".utf8),
        rawLocation: "test",
        items: records.map { .init(record: $0, location: "line \($0.id)") },
        rejections: rejections,
        cursor: cursor.map { .init(job: "job", stream: "stream", value: $0) }
    )
}

func movie(_ id: String, _ title: String, year: Int = 2000, source: String = "s") -> SourceRecord {
    var record = SourceRecord(source: source, id: id, kind: .movie, title: title)
    record.year = year
    return record
}

@Suite struct StagingStoreTests {
    @Test func upsertCountsNewChangedAndUnchanged() throws {
        let store = try makeStore()
        let run = try store.beginRun(job: "t", kind: "import")
        let first = try store.commit(page([movie("1", "Alien"), movie("2", "Aliens")]), runID: run)
        #expect(first.new == 2 && first.changed == 0 && first.unchanged == 0)
        let again = try store.commit(page([movie("1", "Alien"), movie("2", "Aliens")]), runID: run)
        #expect(again.new == 0 && again.changed == 0 && again.unchanged == 2)
        let edited = try store.commit(page([movie("1", "Alien"), movie("2", "Aliens", year: 1986)]), runID: run)
        #expect(edited.changed == 1 && edited.unchanged == 1)
        #expect(try store.liveRecords().map(\.year) == [2000, 1986])
    }

    @Test func cursorAndQuarantineCommitWithThePage() throws {
        let store = try makeStore()
        let run = try store.beginRun(job: "t", kind: "import")
        let rejection = PageRejection(location: "file.jsonl:7", reason: "field 'title' is empty", excerpt: "{}")
        let counts = try store.commit(page([movie("1", "Alien")], rejections: [rejection], cursor: "7"), runID: run)
        #expect(counts.read == 2 && counts.quarantined == 1)
        #expect(try store.cursor(job: "job", stream: "stream") == "7")
        let entries = try store.quarantine()
        #expect(entries.count == 1)
        #expect(entries.first?.location == "file.jsonl:7")
        #expect(entries.first?.reason == "field 'title' is empty")
    }

    @Test func rawPayloadIsArchivedByContentHash() throws {
        let store = try makeStore()
        let run = try store.beginRun(job: "t", kind: "import")
        let staged = page([movie("1", "Alien")])
        _ = try store.commit(staged, runID: run)
        let sha = try sha256(staged.raw)
        #expect(try store.rawPayload(sha256: sha) == staged.raw)
        #expect(try store.rawPayload(sha256: String(repeating: "0", count: 64)) == nil)
    }

    @Test func fullListingTombstonesWhatItLacksAndRevivesOnReturn() throws {
        let store = try makeStore()
        let first = try store.beginRun(job: "t", kind: "import")
        _ = try store.commit(page([movie("1", "Alien"), movie("2", "Aliens")]), runID: first)
        let second = try store.beginRun(job: "t", kind: "import")
        _ = try store.commit(page([movie("1", "Alien")]), runID: second)
        #expect(try store.tombstoneUnseen(source: "s", runID: second) == 1)
        #expect(try store.liveRecords().map(\.id) == ["1"])
        #expect(try store.statistics() == [SourceStatistics(source: "s", live: 1, tombstoned: 1)])
        let third = try store.beginRun(job: "t", kind: "import")
        let back = try store.commit(page([movie("2", "Aliens")]), runID: third)
        #expect(back.changed == 1)
        #expect(try store.liveRecords().map(\.id) == ["1", "2"])
    }

    @Test func runThatNeverFinishedIsMarkedInterruptedByTheNext() throws {
        let store = try makeStore()
        let crashed = try store.beginRun(job: "nightly", kind: "import")
        let next = try store.beginRun(job: "nightly", kind: "import")
        var counts = IngestCounts()
        counts.new = 3
        try store.finishRun(id: next, outcome: .success, counts: counts)
        let runs = try store.runs(job: "nightly")
        #expect(runs.map(\.id) == [next, crashed])
        #expect(runs.map(\.outcome) == [.success, .interrupted])
        #expect(runs.first?.counts.new == 3)
    }

    @Test func identityMapRoundTrips() throws {
        let store = try makeStore()
        let map = IdentityMap(
            assignments: ["a:1": "mg1", "b:2": "mg1"],
            aliases: ["mg0": "mg1"],
            births: ["mg0": 1, "mg1": 2]
        )
        try store.saveIdentityMap(map)
        #expect(try store.identityMap() == map)
    }

    /// The change-event ledger only moves forward, per sink, and forgets sets no longer kept.
    @Test func eventDeliveriesMoveForwardPerSinkAndArePruned() throws {
        let store = try makeStore()
        typealias Delivery = StagingStore.EventDelivery
        try store.recordEventDelivery(sink: "a", Delivery(changeSet: "s1", total: 10, acknowledged: 6))
        try store.recordEventDelivery(sink: "a", Delivery(changeSet: "s1", total: 10, acknowledged: 4))
        try store.recordEventDelivery(sink: "a", Delivery(changeSet: "s2", total: 3, acknowledged: 3))
        try store.recordEventDelivery(sink: "b", Delivery(changeSet: "s1", total: 10, acknowledged: 1))
        let a = try store.eventDeliveries(sink: "a")
        #expect(a["s1"] == Delivery(changeSet: "s1", total: 10, acknowledged: 6), "a stale count does not win")
        #expect(a["s1"]?.complete == false && a["s2"]?.complete == true)
        #expect(try store.eventDeliveries(sink: "b")["s1"]?.acknowledged == 1)
        try store.pruneEventDeliveries(sink: "a", keeping: ["s2"])
        #expect(try store.eventDeliveries(sink: "a").keys.sorted() == ["s2"])
        #expect(try store.eventDeliveries(sink: "b").count == 1, "another sink's records stay")
    }

    @Test func reopeningKeepsDataAndSchemaVersion() throws {
        let store = try makeStore()
        let run = try store.beginRun(job: "t", kind: "import")
        _ = try store.commit(page([movie("1", "Alien")]), runID: run)
        let reopened = try StagingStore(path: store.path)
        #expect(try reopened.schemaVersion() == 9)
        #expect(try reopened.liveRecords().count == 1)
    }

    @Test func pagesCommittedTogetherCountAsIfOneAfterAnother() throws {
        let store = try makeStore()
        let run = try store.beginRun(job: "t", kind: "import")
        let pages = [
            page([movie("1", "Alien"), movie("2", "Aliens")], cursor: "1"),
            page([movie("2", "Aliens", year: 1986), movie("3", "Alien 3")], cursor: "2"),
            page(
                [movie("1", "Alien")],
                rejections: [.init(location: "line 9", reason: "no title", excerpt: "{}")],
                cursor: "3"
            ),
        ]
        let counts = try store.commit(pages.map(PreparedPage.init), runID: run)
        #expect(counts.read == 6 && counts.new == 3 && counts.changed == 1 && counts.unchanged == 1)
        #expect(counts.quarantined == 1)
        #expect(try store.cursor(job: "job", stream: "stream") == "3", "the last page's cursor is the one kept")
        let records = Dictionary(uniqueKeysWithValues: try store.liveRecords().map { ($0.id, $0) })
        #expect(records.count == 3 && records["2"]?.year == 1986)
        // Committed one at a time, the same pages give the same records.
        let single = try makeStore()
        let singleRun = try single.beginRun(job: "t", kind: "import")
        for page in pages { _ = try single.commit(page, runID: singleRun) }
        #expect(try single.liveRecords() == store.liveRecords())
    }

    /// A group writes each stream's cursor once, the last page's; a cursor a page clears stays
    /// cleared unless a later page saves it again.
    @Test func aGroupKeepsEachStreamsLastCursor() throws {
        let store = try makeStore()
        let run = try store.beginRun(job: "t", kind: "import")
        func paged(_ stream: String, _ value: String, clearing: [String] = []) -> StagedPage {
            var staged = StagedPage(source: "s", raw: Data("\(stream) \(value)".utf8), rawLocation: "test")
            staged.cursor = .init(job: "job", stream: stream, value: value)
            staged.clearedCursors = clearing.map { .init(job: "job", stream: $0, value: "") }
            return staged
        }
        try store.saveCursor(.init(job: "job", stream: "c", value: "old"))
        let group = [
            paged("a", "1"), paged("b", "1"), paged("a", "2", clearing: ["c"]), paged("c", "1"), paged("b", "2"),
            paged("a", "3", clearing: ["b"]),
        ]
        _ = try store.commit(group.map(PreparedPage.init), runID: run)
        #expect(try store.cursor(job: "job", stream: "a") == "3")
        #expect(try store.cursor(job: "job", stream: "b") == nil, "cleared by the last page")
        #expect(try store.cursor(job: "job", stream: "c") == "1", "saved again after it was cleared")
    }

    @Test func unopenableDatabaseNamesThePath() {
        #expect {
            _ = try StagingStore(path: "/proc/definitely/not/here/staging.sqlite")
        } throws: { error in
            "\(error)".contains("/proc/definitely/not/here")
        }
    }
}

import Crypto

func sha256(_ data: Data) throws -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}
