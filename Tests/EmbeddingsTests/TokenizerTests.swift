import Testing

@testable import Embeddings

@Suite struct TokenizerTests {
    static let tokenizer = try! WordPieceTokenizer(
        pieces: [
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cafe", "wall", "e", "·", "un", "##aff", "##able", "!", "-",
            "x", "千", "(", ")", "2001", "s", "'",
        ],
        maxLength: 8
    )

    static func pieces(_ text: String) -> [Int32] {
        Array(tokenizer.tokenize(text).dropFirst().dropLast())
    }

    @Test(
        arguments: [
            ("THE", [4]),  // lowercased
            ("Café", [5]),  // accents stripped after NFD
            ("cafe\u{301}", [5]),  // a combining accent already decomposed
            ("WALL·E", [6, 8, 7]),  // U+00B7 is punctuation
            ("unaffable", [9, 10, 11]),  // greedy longest match with ## continuations
            ("unaffablex", [1]),  // a word that cannot be split is one [UNK]
            ("the\u{0}\u{FFFD}\u{200B}", [4]),  // NUL, replacement and format characters dropped
            ("the\u{3000}the\u{2028}the", [4, 4, 4]),  // ideographic space and line separator split
            ("千千", [15, 15]),  // each CJK ideograph is its own word
            ("x-x", [14, 13, 14]),  // ASCII punctuation splits
            ("(2001)", [16, 18, 17]),
            ("s'", [19, 20]),
        ] as [(String, [Int32])]
    )
    func rules(text: String, expected: [Int32]) {
        #expect(Self.pieces(text) == expected)
    }

    @Test func wordsOverOneHundredCharactersAreUnknown() {
        #expect(Self.pieces(String(repeating: "x", count: 101)) == [1])
    }

    @Test func sequenceIsWrappedAndTruncatedToTheMaximumLength() {
        let ids = Self.tokenizer.tokenize("the the the the the the the the the the")
        #expect(ids == [2, 4, 4, 4, 4, 4, 4, 3])
        #expect(Self.tokenizer.tokenize("") == [2, 3])
    }

    @Test func vocabularyWithoutSpecialTokensIsRefused() {
        #expect(throws: (any Error).self) { try WordPieceTokenizer(pieces: ["a", "b"]) }
    }
}
