import Foundation
import MediaModel

/// The one place that decides what text represents a title in vector space.
///
/// A small model knows little about a bare title ("Finding Nemo" and "a clownfish searches the
/// ocean for his son" score 0.13; with the overview and genres, 0.71), so a document is:
///
///     {title} ({year}), {kind}. Genres: {genre, …}. {overview} Directed by {directors}.
///     Starring {first three cast members}.
///
/// Parts that are missing are left out. The overview comes before the people so that the
/// model's 256-token limit cuts names rather than the plot. Queries are embedded as typed.
public enum EmbeddingText {
    /// Cast members named in a document's text.
    static let castMembers = 3

    public static func document(for title: CanonicalTitle) -> String {
        var text = title.title
        if let year = title.year { text += " (\(year))" }
        text += ", \(kindWord(title.kind))."
        if !title.genres.isEmpty {
            text +=
                " Genres: "
                + title.genres.map { $0.rawValue.replacingOccurrences(of: "-", with: " ") }
                .joined(separator: ", ") + "."
        }
        if let overview = title.overview?.trimmingCharacters(in: .whitespacesAndNewlines), !overview.isEmpty {
            text += " " + overview
            if let last = overview.last, !".!?".contains(last) { text += "." }
        }
        if !title.directors.isEmpty {
            text += " Directed by " + title.directors.joined(separator: ", ") + "."
        }
        if !title.cast.isEmpty {
            text += " Starring " + title.cast.prefix(castMembers).joined(separator: ", ") + "."
        }
        return text
    }

    static func kindWord(_ kind: TitleKind) -> String {
        switch kind {
        case .movie: "film"
        default: kind.rawValue.replacingOccurrences(of: "-", with: " ")
        }
    }
}
