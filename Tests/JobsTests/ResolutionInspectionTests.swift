import Foundation
import Jobs
import MediaModel
import Resolution
import Snapshots
import Staging
import TestSupport
import Testing

/// `resolve explain` and `resolve report`, called directly on staging.
@Suite struct ResolutionInspectionTests {
    /// Alien from two sources (one title through the shared IMDb id) and Heat, built once.
    func builtStore() async throws -> StagingStore {
        let store = try StagingStore(path: temporaryPath("staging.sqlite"))
        let alien = #","externalIDs":{"imdb":"tt0078748"}"#
        _ = try CatalogImporter(source: "a", logger: logger).importFile(
            try writeLines([line("1", "Alien", year: 1979, extra: alien), line("2", "Heat", year: 1995)]),
            into: store
        )
        _ = try CatalogImporter(source: "b", logger: logger).importFile(
            try writeLines([line("x", "Alien", year: 1979, extra: alien + #","genres":["horror"]"#)]),
            into: store
        )
        _ = try await SnapshotBuilder(logger: logger).build(
            from: store,
            into: SnapshotDirectory(path: temporaryPath("snapshots"))
        )
        return store
    }

    @Test func aCanonicalIDStandsForEachOfItsLiveRecords() async throws {
        let store = try await builtStore()
        let id = try #require(try store.identityMap().assignments["a:1"])
        let explained = try ResolutionInspection.explain(id, store: store, resolver: ScoringResolver())
        #expect(explained.map(\.key) == ["a:1", "b:x"])
        #expect(explained.allSatisfy { Set($0.members) == ["a:1", "b:x"] })
        let one = try ResolutionInspection.explain("a:2", store: store, resolver: ScoringResolver())
        #expect(one.map(\.key) == ["a:2"] && one[0].members == ["a:2"])
        #expect {
            _ = try ResolutionInspection.explain("zz:9", store: store, resolver: ScoringResolver())
        } throws: { ($0 as? MediaError)?.code == .notFound && "\($0)".contains("'zz:9'") }
    }

    @Test func theReportCountsRecordsWithoutAGenre() async throws {
        let store = try await builtStore()
        var report = try ResolutionInspection.unmapped(store: store, runs: 50)
        #expect(report.records == 3 && report.recordsWithoutGenre == 2)
        #expect(report.values.isEmpty, "imports map nothing from a provider")
        // Two runs of a stream that met values without a mapping: counted per provider, summed.
        for unmapped in [#"{"genre:Anime":2,"service:399":1}"#, #"{"genre:Anime":3}"#] {
            let run = try store.beginRun(job: "nightly", kind: "run")
            try store.recordStream(
                runID: run,
                stream: StreamRecord(
                    stream: "watchmode/listing",
                    outcome: .completed,
                    pages: 1,
                    counts: IngestCounts(),
                    unmappedJSON: unmapped
                )
            )
            try store.finishRun(id: run, outcome: .success, counts: IngestCounts())
        }
        report = try ResolutionInspection.unmapped(store: store, runs: 50)
        #expect(report.values == ["watchmode genre:Anime": 5, "watchmode service:399": 1])
        #expect(report.sortedValues.map(\.value) == ["watchmode genre:Anime", "watchmode service:399"])
        #expect(try ResolutionInspection.unmapped(store: store, runs: 1).values == ["watchmode genre:Anime": 3])
    }
}
