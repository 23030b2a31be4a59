import Foundation

/// Normalizes titles into keys for matching: NFKC, case and diacritic folding, `&` as "and",
/// apostrophes dropped, other punctuation and whitespace as one space, a leading English
/// article dropped.
public enum TitleNormalizer {
    /// The matching key of `title` ("The Lord of the Rings: The Two Towers" → "lord of the rings the two towers").
    public static func key(_ title: String) -> String {
        // ASCII needs no Unicode folding, which is most of the cost; its letters are classified by byte.
        let folded: String
        let isASCII = title.utf8.allSatisfy { $0 < 0x80 }
        if isASCII {
            folded = title
        } else {
            folded = title.precomposedStringWithCompatibilityMapping
                .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        }
        var words: [[UInt8]] = []
        var current: [UInt8] = []
        func flush() {
            if !current.isEmpty {
                words.append(current)
                current.removeAll(keepingCapacity: true)
            }
        }
        for scalar in folded.unicodeScalars {
            switch scalar {
            case "a"..."z", "0"..."9": current.append(UInt8(scalar.value))
            case "A"..."Z": current.append(UInt8(scalar.value) + 32)
            case "&":
                flush()
                words.append(Array("and".utf8))
            case "'", "\u{2019}": continue  // "Schindler's" and "Schindlers" meet
            default:
                if scalar.isASCII || !(scalar.properties.isAlphabetic || scalar.properties.numericType != nil) {
                    flush()
                } else {
                    current += Array(String(scalar).lowercased().utf8)
                }
            }
        }
        flush()
        if words.count > 1, [Array("the".utf8), Array("a".utf8), Array("an".utf8)].contains(words[0]) {
            words.removeFirst()
        }
        return String(decoding: Array(words.joined(separator: [0x20])), as: UTF8.self)
    }
}
