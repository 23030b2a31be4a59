import Foundation
import MediaModel

/// Provider vocabularies the simulated providers speak.
enum Vocabulary {
    static func streamingAvailabilityGenre(_ genre: Genre) -> String {
        genre == .scienceFiction ? "scifi" : genre.rawValue
    }

    static let watchmodeGenres: [Genre: (Int, String)] = [
        .action: (1, "Action"), .adventure: (2, "Adventure"), .animation: (3, "Animation"), .comedy: (4, "Comedy"),
        .crime: (5, "Crime"), .documentary: (6, "Documentary"), .drama: (7, "Drama"), .family: (8, "Family"),
        .fantasy: (9, "Fantasy"), .history: (10, "History"), .horror: (11, "Horror"), .music: (12, "Music"),
        .mystery: (13, "Mystery"), .romance: (14, "Romance"), .scienceFiction: (15, "Science Fiction"),
        .thriller: (17, "Thriller"), .war: (18, "War"), .western: (19, "Western"), .kids: (21, "Kids"),
        .news: (22, "News"), .reality: (23, "Reality"), .talk: (25, "Talk"), .sport: (26, "Sports"),
        .biography: (27, "Biography"), .musical: (28, "Musical"),
    ]

    static let justWatchGenres: [Genre: String] = [
        .action: "act", .adventure: "act", .animation: "ani", .comedy: "cmy", .crime: "crm", .documentary: "doc",
        .drama: "drm", .fantasy: "fnt", .history: "hst", .horror: "hrr", .family: "fml", .kids: "fml", .music: "msc",
        .musical: "msc", .mystery: "trl", .thriller: "trl", .romance: "rma", .scienceFiction: "scf", .sport: "spt",
        .war: "war", .western: "wsn", .reality: "rly", .biography: "hst", .news: "doc", .talk: "rly",
    ]

    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    static func price(_ cents: Int) -> String {
        String(format: "%d.%02d", cents / 100, cents % 100)
    }

    static func currency(_ country: String) -> String {
        country == "GB" ? "GBP" : "USD"
    }
}
