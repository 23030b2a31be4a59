// Builders and scratch space shared by the test targets (not a test target itself).
import Foundation
import MediaModel
import Snapshots

/// A canonical title with the given fields; its one member is `test:<id>`.
public func makeTitle(
    _ id: String,
    _ name: String,
    year: Int? = nil,
    kind: TitleKind = .movie,
    genres: [Genre] = [],
    directors: [String] = [],
    overview: String? = nil,
    offers: [Offer] = []
) -> CanonicalTitle {
    var title = CanonicalTitle(id: id, kind: kind, title: name)
    title.year = year
    title.genres = genres
    title.directors = directors
    title.overview = overview
    title.offers = offers
    title.members = ["test:\(id)"]
    return title
}

/// A new, empty directory under the system's temporary directory.
public func temporaryDirectory(_ label: String = "mediagw") -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID())").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `titles` as a snapshot file (in `directory`, or a new temporary one) and returns its path.
public func writeSnapshot(
    _ titles: [CanonicalTitle],
    aliases: [String: String] = [:],
    vectors: EmbeddedVectors? = nil,
    writer: SnapshotWriter = SnapshotWriter(),
    previous: Snapshot? = nil,
    in directory: String? = nil
) throws -> String {
    let bytes = try writer.makeSnapshot(
        titles: titles,
        sourceCounts: ["test": titles.count],
        aliases: aliases,
        vectors: vectors,
        previous: previous
    )
    let path = ((directory ?? temporaryDirectory("snapshot")) as NSString).appendingPathComponent("s-\(UUID()).mgws")
    try bytes.write(to: URL(fileURLWithPath: path))
    return path
}

/// A snapshots directory with one published snapshot of `titles`.
public func publishedDirectory(
    _ titles: [CanonicalTitle],
    aliases: [String: String] = [:],
    vectors: EmbeddedVectors? = nil
) throws -> SnapshotDirectory {
    let directory = SnapshotDirectory(path: temporaryDirectory("serve") + "/snapshots")
    try publish(titles, aliases: aliases, vectors: vectors, to: directory)
    return directory
}

public func publish(
    _ titles: [CanonicalTitle],
    aliases: [String: String] = [:],
    vectors: EmbeddedVectors? = nil,
    to directory: SnapshotDirectory
) throws {
    let id = UUID()
    let bytes = try SnapshotWriter().makeSnapshot(
        titles: titles,
        sourceCounts: ["test": titles.count],
        aliases: aliases,
        vectors: vectors,
        buildID: id
    )
    try directory.publish(bytes, builtAt: Date(), buildID: id.uuidString.lowercased(), keep: 10)
}
