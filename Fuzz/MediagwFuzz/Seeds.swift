import Foundation
import MediaModel
import Snapshots
import Staging

/// The seed corpus, made from the real writers so that it always has the current formats:
/// snapshots with and without vectors and an HNSW graph, payloads of parts, and JSONL lines.
enum Seeds {
    static func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, input) in try make() {
            try input.write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent(name)))
        }
    }

    /// Each seed's name and its bytes (the selector byte first).
    static func make() throws -> [(String, Data)] {
        var seeds: [(String, UInt8, Data)] = []
        let titles = (0..<60).map { index in
            var title = CanonicalTitle(
                id: String(format: "mg%04d", index),
                kind: index % 7 == 0 ? .series : .movie,
                title: "Film \(index) the cat"
            )
            title.year = 1990 + index % 30
            title.genres = index % 2 == 0 ? [.drama] : [.comedy, .romance]
            title.directors = ["Director \(index % 5)"]
            title.overview = index % 3 == 0 ? "A story about a cat who sat on a mat, number \(index)." : nil
            title.offers = [
                Offer(
                    country: index % 2 == 0 ? "US" : "DE",
                    service: "netflix",
                    monetization: .subscription,
                    quality: .hd
                )
            ]
            title.members = ["fuzz:\(index)"]
            return title
        }
        let vectors = EmbeddedVectors(
            modelID: "fuzz",
            dimension: 8,
            byTitleID: Dictionary(
                uniqueKeysWithValues: titles.enumerated().map { index, title in
                    (title.id, (0..<8).map { Float(($0 * 7 + index * 3) % 11) - 5 })
                }
            )
        )
        let buildID = UUID(uuidString: "00000000-0000-4000-8000-000000000001")!
        let builtAt = Date(timeIntervalSince1970: 1_800_000_000)
        for (name, writer, withVectors) in [
            ("snapshot-plain", SnapshotWriter(), false), ("snapshot-vectors", SnapshotWriter(), true),
            ("snapshot-graph", SnapshotWriter(graphThreshold: 10), true),
        ] {
            let bytes = try writer.makeSnapshot(
                titles: titles,
                sourceCounts: ["fuzz": titles.count],
                aliases: ["mgold": "mg0001"],
                vectors: withVectors ? vectors : nil,
                buildID: buildID,
                builtAt: builtAt
            )
            seeds.append((name, 0, bytes))
            seeds.append((name + "-fixed", 1, bytes))
        }
        let parts = ArchiveParts.pack([
            .init(
                raw: Data(#"{"id":1,"title":"Heat"}"#.utf8),
                location: "GET /v1/title/1/details",
                contentType: "application/json"
            ),
            .init(raw: Data("line\none\n".utf8), location: "GET /v1/title/2/details", contentType: "application/json"),
            .init(raw: Data(), location: "x", contentType: "text/plain"),
        ])
        seeds.append(("parts", 2, parts))
        let line =
            #"{"source":"fuzz","sourceID":"1","kind":"movie","title":"Heat","year":1995,"genres":["crime"],"offers":[{"country":"US","service":"netflix","monetization":"subscription"}]}"#
        seeds.append(("jsonl", 3, Data(line.utf8)))
        return seeds.map { name, selector, bytes in (name, Data([selector]) + bytes) }
    }
}
