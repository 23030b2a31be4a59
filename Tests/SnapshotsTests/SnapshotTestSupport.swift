import Foundation
import MediaModel
import Snapshots

func title(
    _ id: String,
    _ name: String,
    year: Int? = nil,
    kind: TitleKind = .movie,
    genres: [Genre] = [],
    overview: String? = nil,
    offers: [Offer] = []
) -> CanonicalTitle {
    var title = CanonicalTitle(id: id, kind: kind, title: name)
    title.year = year
    title.genres = genres
    title.overview = overview
    title.offers = offers
    title.members = ["test:\(id)"]
    return title
}

func temporaryDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("snapshots-\(UUID())").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `titles` as a snapshot file and returns its path.
func writeSnapshot(_ titles: [CanonicalTitle], aliases: [String: String] = [:], in directory: String? = nil) throws
    -> String
{
    let bytes = try SnapshotWriter().makeSnapshot(
        titles: titles,
        sourceCounts: ["test": titles.count],
        aliases: aliases
    )
    let path = ((directory ?? temporaryDirectory()) as NSString).appendingPathComponent("s-\(UUID()).mgws")
    try bytes.write(to: URL(fileURLWithPath: path))
    return path
}
