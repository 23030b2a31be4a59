import Foundation

/// Splits text into index terms: case and diacritics folded, NFKC, split on anything that is
/// not a letter or digit, apostrophes dropped ("Schindler's" → "schindlers"). The same function
/// indexes documents and parses queries.
public enum Tokenizer {
    /// Terms longer than this are cut; nobody types them.
    public static let maximumTermLength = 40

    public static func terms(_ text: String) -> [String] {
        var terms: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty {
                terms.append(String(String(current).prefix(maximumTermLength)))
                current = String.UnicodeScalarView()
            }
        }
        // Fast path for ASCII, which is most text; fold the rest properly.
        let folded: String
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            folded = text.lowercased()
        } else {
            folded = text.precomposedStringWithCompatibilityMapping
                .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        }
        for scalar in folded.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(scalar)
            } else if scalar == "'" || scalar == "\u{2019}" {
                continue
            } else {
                flush()
            }
        }
        flush()
        return terms
    }
}
