import Foundation

/// A title taken apart for matching.
public struct NormalizedTitle: Sendable, Equatable {
    /// Words of the whole title, normalized (`lord of rings 2 two towers`).
    public var tokens: [String]
    /// The words before the first subtitle separator (`Star Wars: Episode IV` → `star wars`);
    /// equal to `tokens` when there is none.
    public var mainTokens: [String]
    /// A year written in brackets (`Solaris (1972)`).
    public var bracketYear: Int?
    /// A country written in brackets to tell same-named titles apart (`The Office (US)` → `us`).
    public var bracketCountry: String?
    /// The words after the first subtitle separator (`Tales from the Crypt: Demon Knight` →
    /// `demon knight`); equal to `tokens` when there is none.
    public var tailTokens: [String]
    /// The compact key with number words as digits (`Three Men and a Baby` and `3 Men and a
    /// Baby` → `3menandababy`).
    public var numericKey: String

    /// The matching key: the tokens joined by spaces.
    public var key: String { tokens.joined(separator: " ") }
    public var mainKey: String { mainTokens.joined(separator: " ") }
    /// The key without spaces, so that `Spider-Man` and `Spiderman` meet.
    public var compactKey: String { tokens.joined() }
}

/// Normalizes titles for matching: Unicode NFKC, case and diacritic folding (display keeps the
/// original), punctuation and whitespace as one separator, `&` and `+` as "and", a leading
/// article in several languages dropped, roman numerals as numbers ("Part II" = "Part 2",
/// and number words after "part", "chapter", …), bracketed years and edition qualifiers
/// ("(2019)", "(Director's Cut)", "[4K]") removed, and the main title before a subtitle
/// separator (":", " - ", "–", "—") kept apart.
public enum TitleNormalizer {
    /// The matching key of `title` ("The Lord of the Rings: The Two Towers" → "lord of the rings the two towers").
    public static func key(_ title: String) -> String {
        normalize(title).key
    }

    /// Leading articles dropped when more words follow (English, French, German, Spanish,
    /// Italian, Portuguese, Dutch). Words that are also common first words in English titles
    /// ("die", "as", "i", "o", "de") are kept.
    static let articles: Set<String> = [
        "the", "a", "an", "le", "la", "les", "l", "un", "une", "der", "das", "ein", "eine", "el", "los", "las", "una",
        "il", "lo", "gli", "het", "een", "os",
    ]
    /// Bracketed qualifiers that name an edition, not a different title.
    static let qualifiers: Set<String> = [
        "directors cut", "director s cut", "extended", "extended edition", "extended cut", "theatrical cut",
        "theatrical", "remastered", "remaster", "restored", "uncut", "unrated", "uncensored", "4k", "uhd", "hd",
        "sd", "3d", "imax", "original version", "ov", "omu", "subtitled", "dubbed", "special edition",
        "anniversary edition", "colorized", "colourized", "4k remaster", "4k restoration", "hdr", "dolby vision",
    ]
    /// Words after which a numeral or number word is a part number.
    static let partWords: Set<String> = ["part", "pt", "chapter", "episode", "vol", "volume", "book"]
    static let numberWords = [
        "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
        "nine": "9", "ten": "10",
    ]
    /// Number words anywhere in a title, for ``NormalizedTitle/numericKey`` and for stylized
    /// spellings (`Se7en`, `Thir13en`, `Thr3e`).
    static let spelledNumbers: [String: String] = {
        let words = [
            "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
            "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
        ]
        var table: [String: String] = [:]
        for (value, word) in words.enumerated() { table[word] = String(value) }
        for (tens, word) in ["thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"].enumerated() {
            table[word] = String((tens + 3) * 10)
        }
        table["hundred"] = "100"
        return table
    }()
    static let numbersSpelled = Dictionary(spelledNumbers.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
    /// Abbreviations written either way (`Dr. Dolittle`, `Doctor Dolittle`).
    static let abbreviations = ["dr": "doctor", "mr": "mister", "vs": "versus"]

    /// A word whose digits stand for the letters of that number's name (`se7en` → `seven`,
    /// `thir13en` → `thirteen`, `thr3e` → `three`), or nil.
    static func stylizedNumber(_ token: String) -> String? {
        let bytes = Array(token.utf8)
        guard let first = bytes.firstIndex(where: { (0x30...0x39).contains($0) }),
            let last = bytes.lastIndex(where: { (0x30...0x39).contains($0) }),
            bytes[first...last].allSatisfy({ (0x30...0x39).contains($0) }), first > 0 || last < bytes.count - 1
        else { return nil }
        let digits = String(decoding: bytes[first...last], as: UTF8.self)
        guard let word = numbersSpelled[String(Int(digits) ?? -1)] else { return nil }
        let prefix = String(decoding: bytes[..<first], as: UTF8.self)
        let suffix = String(decoding: bytes[(last + 1)...], as: UTF8.self)
        guard word.count > prefix.count + suffix.count, word.hasPrefix(prefix), word.hasSuffix(suffix) else {
            return nil
        }
        return word
    }

    public static func normalize(_ title: String) -> NormalizedTitle {
        // A bare trailing year is part of some titles ("Blade Runner 2049") and stays.
        var (text, year, country) = removingBrackets(title)
        // Folding is most of the cost; ASCII needs none.
        if !text.utf8.allSatisfy({ $0 < 0x80 }) {
            text = text.precomposedStringWithCompatibilityMapping
                .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            // Letters that folding leaves alone (checked by scalar: `String.contains` is slow).
            if text.unicodeScalars.contains(where: { ligatureScalars.contains($0) }) {
                for (letter, spelled) in ligatures { text = text.replacingOccurrences(of: letter, with: spelled) }
            }
        }
        var tokens: [String] = []
        var mainCount: Int?
        var current: [UInt8] = []
        func flush() {
            if !current.isEmpty {
                tokens.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            }
        }
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "a"..."z", "0"..."9": current.append(UInt8(scalar.value))
            case "A"..."Z": current.append(UInt8(scalar.value) + 32)
            case "&", "+":
                flush()
                tokens.append("and")
            case "'", "\u{2019}", "`":
                // "Schindler's" and "Schindlers" meet; "L'Avventura" keeps its article apart.
                if current == [0x6c] || current == [0x64] { flush() }
            case ":", "\u{2013}", "\u{2014}":
                flush()
                if mainCount == nil && !tokens.isEmpty { mainCount = tokens.count }
            case "-":
                // A dash between spaces separates a subtitle; inside a word it joins.
                let spaced =
                    index > 0 && index + 1 < scalars.count && scalars[index - 1] == " " && scalars[index + 1] == " "
                flush()
                if spaced && mainCount == nil && !tokens.isEmpty { mainCount = tokens.count }
            default:
                if scalar.isASCII || !(scalar.properties.isAlphabetic || scalar.properties.numericType != nil) {
                    flush()
                } else {
                    current += Array(String(scalar).lowercased().utf8)
                }
            }
        }
        flush()
        // Numerals: roman numerals of two letters or more anywhere, single letters and number
        // words only after a part word ("Malcolm X" and "V for Vendetta" stay).
        for index in tokens.indices {
            let afterPart = index > 0 && partWords.contains(tokens[index - 1])
            if let value = roman(tokens[index]), tokens[index].count > 1 || afterPart {
                tokens[index] = String(value)
            } else if afterPart, let digit = numberWords[tokens[index]] {
                tokens[index] = digit
            } else if let word = abbreviations[tokens[index]] {
                tokens[index] = word
            } else if tokens[index].utf8.contains(where: { (0x30...0x39).contains($0) }),
                let word = stylizedNumber(tokens[index])
            {
                tokens[index] = word
            }
        }
        // An alternative title after "or" (`Dr. Strangelove or: How I Learned…`, and the
        // bracket form `Birdman or (The Unexpected Virtue of Ignorance)`): the main title ends before it.
        if let count = mainCount, count > 1, tokens[count - 1] == "or" {
            tokens.remove(at: count - 1)
            mainCount = count - 1
        } else if mainCount == nil, tokens.count > 1, tokens.last == "or" {
            tokens.removeLast()
        }
        var main = Array(tokens.prefix(mainCount ?? tokens.count))
        var tail = mainCount.map { Array(tokens[$0...]) } ?? []
        func dropArticle(_ words: inout [String]) -> Int {
            guard words.count > 1, articles.contains(words[0]) else { return 0 }
            words.removeFirst()
            return 1
        }
        _ = dropArticle(&main)
        _ = dropArticle(&tail)
        _ = dropArticle(&tokens)
        if main.isEmpty { main = tokens }
        if tail.isEmpty { tail = tokens }
        let numeric = tokens.map { spelledNumbers[$0] ?? $0 }.joined()
        return NormalizedTitle(
            tokens: tokens,
            mainTokens: main,
            bracketYear: year,
            bracketCountry: country,
            tailTokens: tail,
            numericKey: numeric
        )
    }

    /// The title without a credit in front of it, or nil: `Wes Craven's New Nightmare` → `New
    /// Nightmare`, `Dr. Seuss' How the Grinch Stole Christmas` → `How the Grinch Stole
    /// Christmas`, `Tyler Perry Presents Peeples` and `Jackass Presents: Bad Grandpa` → the
    /// title after "Presents". One source writes the credit, another leaves it out. The credit
    /// is at most four words; what follows must hold a word.
    /// Whether `title` holds "presents" in any case (one byte scan, no Foundation search).
    static func mentionsPresents(_ title: String) -> Bool {
        let word = Array("presents".utf8)
        var matched = 0
        for byte in title.utf8 {
            let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
            matched = lower == word[matched] ? matched + 1 : (lower == word[0] ? 1 : 0)
            if matched == word.count { return true }
        }
        return false
    }

    public static func creditless(_ title: String) -> String? {
        // Most titles have no apostrophe (0xE2 starts a curly one) and no "presents".
        guard title.utf8.contains(where: { $0 == UInt8(ascii: "'") || $0 == 0xE2 }) || mentionsPresents(title)
        else { return nil }
        let words = title.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count > 1 else { return nil }
        for index in 0..<min(4, words.count - 1) {
            let word = words[index].lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ":"))
            let possessive =
                word.hasSuffix("'s") || word.hasSuffix("\u{2019}s") || word.hasSuffix("s'")
                || word.hasSuffix("s\u{2019}")
            let presents = index > 0 && word == "presents"
            guard possessive || presents else { continue }
            var rest = words[(index + 1)...].joined(separator: " ")
            while rest.hasPrefix(":") || rest.hasPrefix(" ") { rest.removeFirst() }
            return rest.contains(where: \.isLetter) ? rest : nil
        }
        return nil
    }

    static let ligatureScalars = Set("æÆœŒßøØđĐłŁþÞ".unicodeScalars)
    static let ligatures: [(String, String)] = [
        ("æ", "ae"), ("Æ", "ae"), ("œ", "oe"), ("Œ", "oe"), ("ß", "ss"), ("ø", "o"), ("Ø", "o"), ("đ", "d"),
        ("Đ", "d"), ("ł", "l"), ("Ł", "l"), ("þ", "th"), ("Þ", "th"),
    ]
    /// Countries written in brackets after a title to tell versions apart.
    static let countries: Set<String> = [
        "us", "usa", "uk", "gb", "au", "nz", "ca", "ie", "fr", "de", "it", "es", "jp", "kr", "in", "br", "mx", "se",
        "dk", "no", "nl", "be",
    ]

    /// The forms one written title stands for, the title itself first: catalogues write
    /// `Matrix, The` for *The Matrix*, and `Seven (a.k.a. Se7en)` or `Kung Fu Hustle (Gong fu)`
    /// for a title with its other names in brackets — each of those names is a form too.
    /// Brackets holding a year, a country or an edition stay for ``normalize(_:)`` to read.
    public static func variants(_ title: String) -> [String] {
        // Most titles have neither brackets nor a comma: one byte scan, no allocation.
        guard title.utf8.contains(where: { $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: ",") }) else {
            return [title]
        }
        var forms = [title]
        func add(_ form: String) {
            let trimmed = form.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty && !forms.contains(trimmed) { forms.append(trimmed) }
        }
        // Names in brackets: everything outside them is one form, each inside another.
        var outside = ""
        var inside: [String] = []
        var depth = 0
        var current = ""
        for character in title {
            if character == "(" {
                if depth == 0 { current = "" } else { current.append(character) }
                depth += 1
            } else if character == ")" && depth > 0 {
                depth -= 1
                if depth == 0 { inside.append(current) } else { current.append(character) }
            } else if depth > 0 {
                current.append(character)
            } else {
                outside.append(character)
            }
        }
        let names = inside.filter { inner in
            let words = inner.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(
                separator: " "
            )
            return !(inner.count == 4 && Int(inner) != nil) && !qualifiers.contains(words) && !countries.contains(words)
                && words.contains(where: \.isLetter)
        }
        if !names.isEmpty {
            add(outside)
            for name in names {
                var text = Substring(name.trimmingCharacters(in: .whitespaces))
                for prefix in ["a.k.a. ", "aka ", "a.k.a ", "also known as "] where text.lowercased().hasPrefix(prefix)
                {
                    text = text.dropFirst(prefix.count)
                }
                add(String(text))
            }
        }
        // A trailing article after a comma goes back in front: `Sugarland Express, The`.
        for form in forms {
            guard let comma = form.lastIndex(of: ",") else { continue }
            let article = form[form.index(after: comma)...].trimmingCharacters(in: .whitespaces)
            let folded = article.lowercased().replacingOccurrences(of: "'", with: "")
            guard articles.contains(folded) || folded == "l" else { continue }
            let rest = form[..<comma].trimmingCharacters(in: .whitespaces)
            add(article + (article.hasSuffix("'") ? "" : " ") + rest)
        }
        return forms
    }

    /// The title without bracketed years, countries and edition qualifiers, and the year and
    /// country if they were there.
    static func removingBrackets(_ title: String) -> (String, Int?, String?) {
        guard title.utf8.contains(where: { $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: "[") }) else {
            return (title, nil, nil)
        }
        var result = ""
        var year: Int?
        var country: String?
        var index = title.startIndex
        while index < title.endIndex {
            let character = title[index]
            if character == "(" || character == "[",
                let close = title[index...].firstIndex(of: character == "(" ? ")" : "]")
            {
                let inner = title[title.index(after: index)..<close]
                let words = inner.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(
                    separator: " "
                )
                if inner.count == 4, let value = Int(inner), (1870...2100).contains(value) {
                    year = value
                    index = title.index(after: close)
                    continue
                }
                if qualifiers.contains(words) {
                    index = title.index(after: close)
                    continue
                }
                if countries.contains(words) {
                    country = words
                    index = title.index(after: close)
                    continue
                }
            }
            result.append(character)
            index = title.index(after: index)
        }
        return (result, year, country)
    }

    /// The value of a roman numeral from 1 to 39, or nil.
    static func roman(_ token: String) -> Int? {
        guard !token.isEmpty, token.count <= 6, token.allSatisfy({ "ivx".contains($0) }) else { return nil }
        let values: [Character: Int] = ["i": 1, "v": 5, "x": 10]
        var total = 0
        let characters = Array(token)
        for (index, character) in characters.enumerated() {
            let value = values[character]!
            if index + 1 < characters.count, value < values[characters[index + 1]]! {
                total -= value
            } else {
                total += value
            }
        }
        // Only canonical spellings: "iiii" or "vx" are not numerals.
        guard (1...39).contains(total), romanText(total) == token else { return nil }
        return total
    }

    static func romanText(_ value: Int) -> String {
        let tens = ["", "x", "xx", "xxx"][value / 10]
        let ones = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"][value % 10]
        return tens + ones
    }
}

/// People's names for comparison: folded, "Last, First" turned around, initials allowed.
public enum PersonNormalizer {
    /// Lower-cased letters and digits of a name, in words (cheaper than a title's rules); with
    /// `joiningHyphens`, `Ki-duk` is one word (`kiduk`), else two.
    static func words(_ name: String, joiningHyphens: Bool = false) -> [String] {
        var text = name
        if !text.utf8.allSatisfy({ $0 < 0x80 }) {
            text = text.precomposedStringWithCompatibilityMapping
                .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        }
        var words: [String] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), 0x80...:
                current.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): current.append(byte + 32)
            case UInt8(ascii: "'"): continue
            case UInt8(ascii: "-") where joiningHyphens: continue
            default:
                if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }

    /// `Spielberg, Steven`, `steven spielberg` and `S. Spielberg` → `spielberg s`.
    public static func key(_ name: String) -> String {
        key(words: Self.words(commaReversed(name)))
    }

    private static func key(words: [String]) -> String {
        guard let last = words.last else { return "" }
        guard words.count > 1, let initial = words.first?.first else { return last }
        return "\(last) \(initial)"
    }

    private static func commaReversed(_ name: String) -> String {
        guard name.utf8.contains(UInt8(ascii: ",")), let comma = name.firstIndex(of: ",") else { return name }
        return String(name[name.index(after: comma)...]) + " " + String(name[..<comma])
    }

    /// Every key a name may match under, the ``key(_:)`` first and the romanization key last:
    /// - its ``key(_:)`` (`J.J. Abrams` = `J. J. Abrams`, `Ron Maxwell` = `Ronald F. Maxwell`);
    /// - its words in any order (`Zhang Yimou` and `Yimou Zhang`, `Kim Ki-duk` and `Ki-duk
    ///   Kim`: sources write the family name first or last);
    /// - for three words or more, without the last or the first (`Gustavo Hernández Ibañez` and
    ///   `Gustavo Hernández`, `Robert Ben Garant` and `Ben Garant`: a name one source leaves
    ///   out), and with the last two joined (`Kirk De Micco` = `Kirk DeMicco`);
    /// - with hyphenated words joined, in any order (`Kim Ki-duk` = `Kim Kiduk`);
    /// - for two words or more, each word's vowels as one mark, in any order (`Andrey
    ///   Konchalovskiy` = `Andrei Konchalovsky`, `Kim Ji-woon` = `Jee-woon Kim`: romanizations
    ///   differ mostly in vowels).
    public static func keys(_ name: String) -> [String] {
        var keys: [String] = []
        forEachForm(name) { form in
            let key = String(decoding: form, as: UTF8.self)
            if !keys.contains(key) { keys.append(key) }
        }
        return keys
    }

    /// `stableHash` of each of ``keys(_:)`` (matching hashes every person of every record, so
    /// the forms are built in one byte buffer, not as strings).
    static func keyHashes(_ name: String) -> [UInt64] {
        var hashes: [UInt64] = []
        forEachForm(name) { form in
            var hasher = StableHasher()
            for byte in form { hasher.add(byte) }
            if !hashes.contains(hasher.value) { hashes.append(hasher.value) }
        }
        return hashes
    }

    /// A name's words as ranges of one byte buffer.
    private struct Words {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []

        init(_ text: String, joiningHyphens: Bool, marked: Bool = false) {
            bytes.reserveCapacity(text.utf8.count)
            var start = 0
            var inVowels = false
            func flush(_ bytes: [UInt8], _ ranges: inout [Range<Int>]) {
                if bytes.count > start { ranges.append(start..<bytes.count) }
                start = bytes.count
            }
            for byte in text.utf8 {
                var letter = byte
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), 0x80...: break
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): letter = byte + 32
                case UInt8(ascii: "'"): continue
                case UInt8(ascii: "-") where joiningHyphens: continue
                default:
                    flush(bytes, &ranges)
                    inVowels = false
                    continue
                }
                if marked {
                    // Each run of vowels (and `y`) as one `a`.
                    if Self.isVowel(letter) {
                        if inVowels { continue }
                        letter = UInt8(ascii: "a")
                        inVowels = true
                    } else {
                        inVowels = false
                    }
                }
                bytes.append(letter)
            }
            flush(bytes, &ranges)
        }

        static func isVowel(_ letter: UInt8) -> Bool {
            switch letter {
            case UInt8(ascii: "a"), UInt8(ascii: "e"), UInt8(ascii: "i"), UInt8(ascii: "o"), UInt8(ascii: "u"),
                UInt8(ascii: "y"):
                return true
            default: return false
            }
        }

        var count: Int { ranges.count }
        subscript(_ index: Int) -> ArraySlice<UInt8> { bytes[ranges[index]] }

        /// Word indices in byte order.
        func sorted(_ indices: some Sequence<Int>) -> [Int] {
            indices.sorted { self[$0].lexicographicallyPrecedes(self[$1]) }
        }
    }

    /// Calls `body` with the bytes of each of ``keys(_:)``, in order (duplicates possible).
    private static func forEachForm(_ name: String, _ body: ([UInt8]) -> Void) {
        var text = commaReversed(name)
        if !text.utf8.allSatisfy({ $0 < 0x80 }) {
            text = text.precomposedStringWithCompatibilityMapping
                .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        }
        let words = Words(text, joiningHyphens: false)
        guard words.count > 0 else { return }
        let last = words.count - 1
        var form: [UInt8] = []
        form.reserveCapacity(words.bytes.count + 8)
        func emit(_ build: (inout [UInt8]) -> Void) {
            form.removeAll(keepingCapacity: true)
            build(&form)
            body(form)
        }
        func joined(_ mark: UInt8, _ words: Words, _ order: [Int]) {
            emit { form in
                form.append(mark)
                for index in order {
                    form.append(UInt8(ascii: " "))
                    form += words[index]
                }
            }
        }
        let initial = words[0].first!
        emit { form in
            form += words[last]
            if last > 0 {
                form.append(UInt8(ascii: " "))
                form.append(initial)
            }
        }
        guard last > 0 else { return }
        joined(UInt8(ascii: "="), words, words.sorted(0...last))
        if last > 1 {
            joined(UInt8(ascii: "="), words, words.sorted(0..<last))
            joined(UInt8(ascii: "="), words, words.sorted(1...last))
            emit { form in
                form += words[last - 1]
                form += words[last]
                form.append(UInt8(ascii: " "))
                form.append(initial)
            }
        }
        if text.utf8.contains(UInt8(ascii: "-")) {
            let whole = Words(text, joiningHyphens: true)
            if whole.count > 1 && whole.count != words.count {
                joined(UInt8(ascii: "="), whole, whole.sorted(0..<whole.count))
            }
        }
        let marked = Words(text, joiningHyphens: false, marked: true)
        joined(UInt8(ascii: "~"), marked, marked.sorted(0..<marked.count))
    }

}
