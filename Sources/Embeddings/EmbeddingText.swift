import Foundation
import MediaModel

/// The one place that decides what text represents a title in vector space.
///
/// A small model knows little about a bare title ("Finding Nemo" against "a clownfish searches
/// the ocean for his son": 0.13), and lists of metadata dilute a plot just as much: against
/// "detective hunting replicants in a dark rainy future city", Blade Runner's overview alone
/// scores 0.54, the overview after its five genres, director and three actors 0.25. So the
/// overview leads and the rest follows briefly:
///
///     {title}: {overview} ({year} {kind}; {up to three genres})
///
/// A title without an overview is described by its metadata and people instead:
///
///     {title}: {year} {genres} {kind} directed by {directors}, starring {three cast members}.
///
/// Missing parts are left out. Queries are embedded as typed. Measured on the descriptive
/// queries of `Benchmarks/semantic-queries.tsv` (docs/benchmarks.md).
public enum EmbeddingText {
    /// Genres and cast members named in a document's text.
    static let genresNamed = 3
    static let castNamed = 3

    public static func document(for title: CanonicalTitle) -> String {
        let kind = kindWord(title.kind)
        let genres = title.genres.prefix(genresNamed).map { $0.rawValue.replacingOccurrences(of: "-", with: " ") }
        let overview = title.overview?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !overview.isEmpty {
            let facts = [title.year.map { "\($0) \(kind)" } ?? kind, genres.joined(separator: ", ")]
                .filter { !$0.isEmpty }.joined(separator: "; ")
            return "\(title.title): \(overview) (\(facts))"
        }
        var text =
            "\(title.title): "
            + ([title.year.map(String.init)] + [genres.joined(separator: ", "), kind])
            .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        if !title.directors.isEmpty { text += " directed by " + title.directors.joined(separator: " and ") }
        if !title.cast.isEmpty {
            text +=
                (title.directors.isEmpty ? " starring " : ", starring ")
                + title.cast.prefix(castNamed).joined(separator: ", ")
        }
        return text + "."
    }

    static func kindWord(_ kind: TitleKind) -> String {
        switch kind {
        case .movie: "film"
        default: kind.rawValue.replacingOccurrences(of: "-", with: " ")
        }
    }
}
