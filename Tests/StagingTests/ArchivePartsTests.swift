import Foundation
import MediaModel
import Staging
import Testing

/// Several payloads of a page archived as one payload of parts.
@Suite struct ArchivePartsTests {
    static let awkward = [
        ArchiveParts.Part(
            raw: Data(#"{"id":1}"#.utf8),
            location: "GET /title/1/details?append_to_response=sources",
            contentType: "application/json"
        ),
        ArchiveParts.Part(
            raw: Data(),
            location: "a \"quoted\" \\ location\nwith\ta newline · 🎬",
            contentType: "text/plain; charset=utf-8"
        ),
        // A body that looks like the framing itself, and one that is not UTF-8.
        ArchiveParts.Part(
            raw: Data("\n{\"size\":99}\nmediagw-parts 1\n".utf8),
            location: "x",
            contentType: "text/plain"
        ),
        ArchiveParts.Part(
            raw: Data([0, 0xFF, 0x0A, 0xC3]),
            location: "bytes",
            contentType: "application/octet-stream"
        ),
    ]

    @Test func partsComeBackByteForByteWithTheirLocations() throws {
        #expect(try ArchiveParts.unpack(ArchiveParts.pack(Self.awkward)) == Self.awkward)
        #expect(try ArchiveParts.unpack(ArchiveParts.pack([])) == [])
    }

    @Test func aCutOrForeignPayloadIsRefusedNotMisread() throws {
        let packed = ArchiveParts.pack(Self.awkward)
        for cut in [packed.count - 1, packed.count - 3, 20] {
            #expect(throws: MediaError.self) { try ArchiveParts.unpack(packed.prefix(cut)) }
        }
        #expect(throws: MediaError.self) { try ArchiveParts.unpack(Data(#"{"id":1}"#.utf8)) }
        #expect(throws: MediaError.self) { try ArchiveParts.unpack(Data("mediagw-parts 1\nnot a header\n".utf8)) }
        for size in [-1, Int.max, 3] {
            let lying = "mediagw-parts 1\n{\"size\":\(size),\"type\":\"t\",\"location\":\"l\"}\nab\n"
            #expect(throws: MediaError.self) { try ArchiveParts.unpack(Data(lying.utf8)) }
        }
    }

    /// A page of many calls (a Watchmode page: a details call per title) is one archive row;
    /// each record points at it, and the row holds every call under its own location.
    @Test func aPageOfManyPayloadsIsArchivedAsOne() throws {
        let store = try makeStore()
        let run = try store.beginRun(job: "t", kind: "import")
        var staged = StagedPage(
            source: "s",
            raw: Data(#"{"titles":[1,2]}"#.utf8),
            rawLocation: "GET /list-titles?page=1",
            contentType: "application/json",
            items: [
                .init(record: movie("1", "Alien"), location: "GET /title/1/details"),
                .init(record: movie("2", "Aliens"), location: "GET /title/2/details"),
            ]
        )
        staged.attachments = ["1", "2"].map {
            .init(
                raw: Data(#"{"id":\#($0)}"#.utf8),
                location: "GET /title/\($0)/details",
                contentType: "application/json"
            )
        }
        _ = try store.commit(staged, runID: run)
        let plan = try store.reprocessPlan(source: "s")
        #expect(plan.payloads.count == 1)
        let archived = try #require(plan.payloads.first)
        #expect(archived.contentType == ArchiveParts.contentType)
        #expect(archived.location == "3 parts: GET /list-titles?page=1")
        #expect(plan.livePayload == ["1": archived.sha256, "2": archived.sha256])
        let parts = try ArchiveParts.unpack(try #require(try store.rawPayload(sha256: archived.sha256)))
        #expect(parts.map(\.location) == ["GET /list-titles?page=1", "GET /title/1/details", "GET /title/2/details"])
        #expect(parts[2].raw == Data(#"{"id":2}"#.utf8))
        #expect(try store.rawPayloadsContain(Data(#"{"id":2}"#.utf8)))
    }

    /// Two payloads (a playlist page and its videos) stay two rows, each record pointing at the
    /// one its location names.
    @Test func aPageOfTwoPayloadsKeepsThemApart() throws {
        let store = try makeStore()
        let run = try store.beginRun(job: "t", kind: "import")
        var staged = StagedPage(
            source: "s",
            raw: Data("playlist".utf8),
            rawLocation: "GET /playlistItems",
            items: [.init(record: movie("v", "Clip"), location: "GET /videos?id=v · items[0]")]
        )
        staged.attachments = [
            .init(raw: Data("videos".utf8), location: "GET /videos?id=v", contentType: "application/json")
        ]
        _ = try store.commit(staged, runID: run)
        let plan = try store.reprocessPlan(source: "s")
        #expect(plan.payloads.map(\.location) == ["GET /videos?id=v"])
        #expect(try store.rawPayload(sha256: try #require(plan.livePayload["v"])) == Data("videos".utf8))
    }
}
