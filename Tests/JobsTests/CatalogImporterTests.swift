import Compression
import Foundation
import Jobs
import Logging
import MediaModel
import Snapshots
import Staging
import TestSupport
import Testing

/// `name` inside a new temporary directory.
func temporaryPath(_ name: String) -> String {
    temporaryDirectory("jobs") + "/" + name
}

func writeLines(_ lines: [String], to name: String = "catalog.jsonl") throws -> String {
    let path = temporaryPath(name)
    try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
    return path
}

func line(_ id: String, _ title: String, year: Int = 2000, extra: String = "") -> String {
    #"{"id":"\#(id)","kind":"movie","title":"\#(title)","year":\#(year)\#(extra)}"#
}

let logger = Logger(label: "test")

@Suite struct CatalogImporterTests {
    @Test func badLinesAreQuarantinedWithLineNumbersAndTheRestImported() throws {
        let path = try writeLines([
            line("1", "Alien"),
            #"{"id":"2","kind":"movie","title":"Broken""#,
            line("3", ""),
            line("4", "Future", year: 9999),
            "",
            line("1", "Alien again"),
            line("6", "Heat", extra: #","mpaa":"R""#),
        ])
        let store = try StagingStore(path: temporaryPath("staging.sqlite"))
        let summary = try CatalogImporter(source: "catalog", pageSize: 2, logger: logger).importFile(path, into: store)
        #expect(summary.counts.new == 2)
        #expect(summary.counts.quarantined == 4)
        #expect(summary.unknownFields == ["mpaa": 1])
        let quarantine = try store.quarantine().sorted { $0.id < $1.id }
        #expect(
            quarantine.map(\.location) == ["catalog.jsonl:2", "catalog.jsonl:3", "catalog.jsonl:4", "catalog.jsonl:6"]
        )
        #expect(quarantine[0].reason.contains("not valid JSON"))
        #expect(quarantine[1].reason.contains("'title' is empty"))
        #expect(quarantine[2].reason.contains("'year' is 9999"))
        #expect(quarantine[3].reason.contains("duplicate id '1' (first seen at line 1)"))
        // Finished, the position goes back to the start: the next import reads the file whole.
        let position = try #require(try store.cursor(job: "import:catalog", stream: "catalog.jsonl"))
        #expect(position.hasPrefix(#"{"line":0,"#) || position.contains(#""line":0"#), "\(position)")
    }

    @Test func reimportingTheSameFileChangesNothing() throws {
        let path = try writeLines((0..<50).map { line("\($0)", "Film \($0)") })
        let store = try StagingStore(path: temporaryPath("staging.sqlite"))
        let importer = CatalogImporter(source: "catalog", pageSize: 7, logger: logger)
        let first = try importer.importFile(path, into: store)
        let second = try importer.importFile(path, into: store)
        #expect(first.counts.new == 50)
        #expect(second.counts.new == 0 && second.counts.changed == 0 && second.counts.unchanged == 50)
    }

    @Test func truncatedCompressedFileKeepsEveryPageBeforeTheDamage() throws {
        let text = (0..<3000).map { line("\($0)", "Film number \($0) \(UUID())") }.joined(separator: "\n")
        let compressed = try Zstd.compress(Data(text.utf8))
        let path = temporaryPath("catalog.jsonl.zst")
        try compressed.prefix(compressed.count / 2).write(to: URL(fileURLWithPath: path))
        let store = try StagingStore(path: temporaryPath("staging.sqlite"))
        #expect {
            _ = try CatalogImporter(source: "catalog", pageSize: 100, logger: logger).importFile(path, into: store)
        } throws: { error in
            (error as? MediaError)?.code == .badInput && "\(error)".contains("truncated")
                && "\(error)".contains("after line")
        }
        let kept = try store.liveRecords().count
        #expect(kept > 0 && kept < 3000)
        #expect(try store.runs().first?.outcome == .failed)
    }

    @Test func fullListingTombstonesRecordsItNoLongerHas() throws {
        let store = try StagingStore(path: temporaryPath("staging.sqlite"))
        _ = try CatalogImporter(source: "c", isFullListing: true, logger: logger)
            .importFile(try writeLines([line("1", "A"), line("2", "B")]), into: store)
        let second = try CatalogImporter(source: "c", isFullListing: true, logger: logger)
            .importFile(try writeLines([line("1", "A")]), into: store)
        #expect(second.counts.tombstoned == 1)
        #expect(try store.liveRecords().map(\.id) == ["1"])
    }
}

@Suite struct SnapshotBuilderTests {
    @Test func buildPublishesAndRebuildKeepsIDsAndContent() async throws {
        let store = try StagingStore(path: temporaryPath("staging.sqlite"))
        _ = try CatalogImporter(source: "a", logger: logger).importFile(
            try writeLines([
                line("1", "Alien", year: 1979, extra: #","externalIDs":{"imdb":"tt0078748"}"#),
                line("2", "Heat", year: 1995),
            ]),
            into: store
        )
        _ = try CatalogImporter(source: "b", logger: logger).importFile(
            try writeLines([line("x", "Alien", year: 1979, extra: #","externalIDs":{"imdb":"tt0078748"}"#)]),
            into: store
        )
        let directory = SnapshotDirectory(path: temporaryPath("snapshots"))
        let builder = SnapshotBuilder(logger: logger)
        let first = try await builder.build(from: store, into: directory)
        #expect(first.titles == 2 && first.records == 3)
        #expect(try directory.currentSnapshotPath() == first.path)
        let second = try await builder.build(from: store, into: directory)
        let old = try Snapshot(path: first.path)
        let new = try Snapshot(path: second.path)
        #expect(try ChangeSet(old: old, oldName: "old", new: new).changes.isEmpty)
        #expect(new.metadata.sourceCounts == ["a": 2, "b": 1])
        #expect(try new.title(0).members.count + (try new.title(1).members.count) == 3)
    }
}
