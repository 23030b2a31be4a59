import Foundation

/// Normalizes titles into keys for matching: NFKC, case and diacritic folding, `&` as "and",
/// punctuation removed, whitespace collapsed, a leading English article dropped.
public enum TitleNormalizer {
    /// The matching key of `title` ("The Lord of the Rings: The Two Towers" → "lord of the rings the two towers").
    public static func key(_ title: String) -> String {
        let isASCII = title.utf8.allSatisfy { $0 < 0x80 }
        // ASCII needs no Unicode folding, which is most of the cost.
        let folded =
            isASCII
            ? title.lowercased()
            : title.precomposedStringWithCompatibilityMapping
                .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        var words: [Substring] = []
        var current = ""
        func flush() {
            if !current.isEmpty {
                words.append(Substring(current))
                current = ""
            }
        }
        for scalar in folded.unicodeScalars {
            if scalar == "&" {
                flush()
                words.append("and")
            } else if CharacterSet.alphanumerics.contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if scalar == "'" || scalar == "’" {
                continue  // "Schindler's" and "Schindlers" meet
            } else {
                flush()
            }
        }
        flush()
        if words.count > 1, ["the", "a", "an"].contains(words[0]) {
            words.removeFirst()
        }
        return words.joined(separator: " ")
    }
}
