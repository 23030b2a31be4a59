import Foundation
import MediaModel

/// BERT's uncased tokenizer: the rules of Hugging Face's `BertTokenizer` with
/// `do_lower_case=True`, applied to a `vocab.txt` (one piece per line, line number = id).
///
/// 1. Drop NUL, U+FFFD and control/format characters; whitespace separates words.
/// 2. Every CJK ideograph is a word of its own.
/// 3. Each word is lowercased, decomposed (NFD) and stripped of nonspacing marks, then split
///    around punctuation (ASCII symbols and every Unicode P* character).
/// 4. Each piece is split greedily into the longest vocabulary entries, continuations prefixed
///    `##`; a word that cannot be split, or is over 100 characters, becomes `[UNK]`.
/// 5. The pieces are truncated to `maxLength - 2` and wrapped in `[CLS]` … `[SEP]`.
public struct WordPieceTokenizer: Sendable {
    private let vocabulary: [String: Int32]
    /// The longest input, in tokens, including `[CLS]` and `[SEP]`.
    public let maxLength: Int
    public let classifierID: Int32
    public let separatorID: Int32
    public let unknownID: Int32

    /// Words longer than this many characters become `[UNK]` without being split.
    static let maxWordCharacters = 100

    public init(pieces: [String], maxLength: Int = 256) throws {
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(pieces.count)
        for (index, piece) in pieces.enumerated() where vocabulary[piece] == nil {
            vocabulary[piece] = Int32(index)
        }
        func special(_ piece: String) throws -> Int32 {
            guard let id = vocabulary[piece] else {
                throw MediaError(.badInput, "tokenizer vocabulary has no \(piece) entry")
            }
            return id
        }
        self.vocabulary = vocabulary
        self.maxLength = maxLength
        classifierID = try special("[CLS]")
        separatorID = try special("[SEP]")
        unknownID = try special("[UNK]")
    }

    /// Reads `vocab.txt`.
    public init(vocabularyFile path: String, maxLength: Int = 256) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw MediaError(.notFound, "cannot read tokenizer vocabulary \(path)")
        }
        var pieces = text.components(separatedBy: "\n")
        if pieces.last == "" { pieces.removeLast() }
        try self.init(pieces: pieces.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }, maxLength: maxLength)
    }

    /// The model input for `text`: `[CLS]`, the word pieces (truncated), `[SEP]`.
    public func tokenize(_ text: String) -> [Int32] {
        var ids: [Int32] = [classifierID]
        let limit = maxLength - 1
        for word in Self.words(in: text) {
            for piece in Self.splitPunctuation(Self.fold(word)) {
                appendPieces(of: piece, to: &ids)
                if ids.count >= limit { break }
            }
            if ids.count >= limit { break }
        }
        if ids.count > limit { ids.removeLast(ids.count - limit) }
        ids.append(separatorID)
        return ids
    }

    /// Steps 1 and 2: cleaned, whitespace-separated words, each CJK ideograph on its own.
    static func words(in text: String) -> [String.UnicodeScalarView] {
        var words: [String.UnicodeScalarView] = []
        var current = String.UnicodeScalarView()
        func finishWord() {
            if !current.isEmpty {
                words.append(current)
                current = String.UnicodeScalarView()
            }
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value == 0 || value == 0xFFFD { continue }
            if isWhitespace(scalar) {
                finishWord()
            } else if isControl(scalar) {
                continue
            } else if isIdeograph(value) {
                finishWord()
                words.append(String.UnicodeScalarView([scalar]))
            } else {
                current.append(scalar)
            }
        }
        finishWord()
        return words
    }

    /// Step 3, first half: lowercase, NFD, drop nonspacing marks.
    static func fold(_ word: String.UnicodeScalarView) -> String.UnicodeScalarView {
        let lowered = String(word).lowercased()
        var folded = String.UnicodeScalarView()
        for scalar in lowered.decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            folded.append(scalar)
        }
        return folded
    }

    /// Step 3, second half: every punctuation character is a piece of its own.
    static func splitPunctuation(_ word: String.UnicodeScalarView) -> [String.UnicodeScalarView] {
        var pieces: [String.UnicodeScalarView] = []
        var current = String.UnicodeScalarView()
        for scalar in word {
            if isPunctuation(scalar) {
                if !current.isEmpty { pieces.append(current) }
                pieces.append(String.UnicodeScalarView([scalar]))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// Step 4: greedy longest-match-first WordPiece.
    func appendPieces(of word: String.UnicodeScalarView, to ids: inout [Int32]) {
        let scalars = Array(word)
        guard scalars.count <= Self.maxWordCharacters else {
            ids.append(unknownID)
            return
        }
        var pieces: [Int32] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var match: Int32?
            while start < end {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: scalars[start..<end])
                if let id = vocabulary[candidate] {
                    match = id
                    break
                }
                end -= 1
            }
            guard let id = match else {
                ids.append(unknownID)
                return
            }
            pieces.append(id)
            start = end
        }
        ids.append(contentsOf: pieces)
    }

    // Character classes exactly as BERT's reference tokenizer defines them.

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r": return true
        default:
            switch scalar.properties.generalCategory {
            // Zs is BERT's rule; Zl and Zp also split words because Python's str.split() does.
            case .spaceSeparator, .lineSeparator, .paragraphSeparator: return true
            default: return false
            }
        }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value)
            || (123...126).contains(value)
        {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    static func isIdeograph(_ value: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value) || (0x2B820...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }
}
