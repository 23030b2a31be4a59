import Foundation

/// Splits text into index terms: case and diacritics folded, NFKC, split on anything that is
/// not a letter or digit, apostrophes dropped ("Schindler's" → "schindlers"). The same function
/// indexes documents and parses queries.
public enum Tokenizer {
    /// Terms longer than this are cut; nobody types them.
    public static let maximumTermLength = 40

    public static func terms(_ text: String) -> [String] {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            return asciiTerms(text)
        }
        var terms: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty {
                terms.append(String(String(current).prefix(maximumTermLength)))
                current = String.UnicodeScalarView()
            }
        }
        let folded = text.precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
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

    /// The same rules on ASCII text, byte by byte: most titles, names and overviews.
    private static func asciiTerms(_ text: String) -> [String] {
        var terms: [String] = []
        var current: [UInt8] = []
        current.reserveCapacity(maximumTermLength)
        func flush() {
            if !current.isEmpty {
                terms.append(String(decoding: current.prefix(maximumTermLength), as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            }
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): current.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): current.append(byte + 32)
            case UInt8(ascii: "'"): continue
            default: flush()
            }
        }
        flush()
        return terms
    }
}
