import MediaModel
import Testing

@testable import Resolution

@Suite struct TitleNormalizerTests {
    @Test(arguments: [
        // Case, punctuation, whitespace.
        ("The Lord of the Rings: The Two Towers", "lord of the rings the two towers"),
        ("  Heat\t", "heat"),
        ("E.T. the Extra-Terrestrial", "e t the extra terrestrial"),
        ("Schindler's List", "schindlers list"),
        ("Schindler’s List", "schindlers list"),
        // Unicode: NFKC, width, diacritics folded.
        ("Amélie", "amelie"),
        ("ＡＫＩＲＡ", "akira"),
        ("Léon: The Professional", "leon the professional"),
        ("Das Boot", "boot"),
        ("Straße", "strasse"),
        ("Æon Flux", "aeon flux"),
        // Leading articles in several languages, only when more words follow.
        ("The", "the"),
        ("A Beautiful Mind", "beautiful mind"),
        ("An Education", "education"),
        ("Les Misérables", "miserables"),
        ("L'Avventura", "avventura"),
        ("Der Untergang", "untergang"),
        ("El laberinto del fauno", "laberinto del fauno"),
        ("Il Postino", "postino"),
        ("Het Diner", "diner"),
        ("Die Hard", "die hard"),
        ("I, Robot", "i robot"),
        // & + and.
        ("Fast & Furious", "fast and furious"),
        ("Romeo + Juliet", "romeo and juliet"),
        ("Harold and Kumar", "harold and kumar"),
        // Numerals.
        ("Rocky II", "rocky 2"),
        ("The Godfather Part III", "godfather part 3"),
        ("Kill Bill: Vol. 1", "kill bill vol 1"),
        ("Dune: Part One", "dune part 1"),
        ("Star Wars: Episode IV – A New Hope", "star wars episode 4 a new hope"),
        ("Malcolm X", "malcolm x"),
        ("V for Vendetta", "v for vendetta"),
        ("Civil War II", "civil war 2"),
        ("Mix", "mix"),
        // Bracketed years and qualifiers go; other brackets stay.
        ("Solaris (1972)", "solaris"),
        ("Blade Runner (Director's Cut)", "blade runner"),
        ("Apocalypse Now [4K]", "apocalypse now"),
        ("Aliens (Extended Edition)", "aliens"),
        ("(500) Days of Summer", "500 days of summer"),
        ("The Office (US)", "office"),
        ("Blade Runner 2049", "blade runner 2049"),
    ])
    func keys(title: String, key: String) {
        #expect(TitleNormalizer.key(title) == key)
    }

    @Test(arguments: [
        ("Star Wars: Episode IV – A New Hope", "star wars"),
        ("Mission: Impossible - Ghost Protocol", "mission"),
        ("Spider-Man: No Way Home", "spider man"),
        ("Alien - Director's Cut", "alien"),
        ("The Matrix", "matrix"),
        ("Léon — The Professional", "leon"),
    ])
    func mainTitles(title: String, main: String) {
        #expect(TitleNormalizer.normalize(title).mainKey == main)
    }

    @Test func bracketYearsAreKeptAsAHintAndCompactKeysJoinWords() {
        let solaris = TitleNormalizer.normalize("Solaris (1972)")
        #expect(solaris.bracketYear == 1972)
        #expect(TitleNormalizer.normalize("Spider-Man").compactKey == TitleNormalizer.normalize("Spiderman").compactKey)
    }

    @Test(arguments: [
        ("Steven Spielberg", "spielberg s"),
        ("Spielberg, Steven", "spielberg s"),
        ("S. Spielberg", "spielberg s"),
        ("STEVEN SPIELBERG", "spielberg s"),
        ("Agnès Varda", "varda a"),
        ("Madonna", "madonna"),
    ])
    func people(name: String, key: String) {
        #expect(PersonNormalizer.key(name) == key)
    }

    /// Forms MovieLens-style catalogues write: a trailing article, other names in brackets.
    @Test(arguments: [
        ("Sugarland Express, The", ["Sugarland Express, The", "The Sugarland Express"]),
        ("Seven (a.k.a. Se7en)", ["Seven (a.k.a. Se7en)", "Seven", "Se7en"]),
        (
            "Amelie (Fabuleux destin d'Amélie Poulain, Le)",
            [
                "Amelie (Fabuleux destin d'Amélie Poulain, Le)", "Amelie", "Fabuleux destin d'Amélie Poulain, Le",
                "Le Fabuleux destin d'Amélie Poulain",
            ]
        ),
        ("The Office (US)", ["The Office (US)"]),
        ("Solaris (1972)", ["Solaris (1972)"]),
        ("Blade Runner (Director's Cut)", ["Blade Runner (Director's Cut)"]),
        ("Black Cat, White Cat", ["Black Cat, White Cat"]),
    ])
    func writtenFormsOfATitle(title: String, forms: [String]) {
        #expect(TitleNormalizer.variants(title) == forms)
    }

    /// Real catalogues write one person differently: family name first or last, a second
    /// family name or not. Each pair shares a key; different people do not.
    @Test(arguments: [
        ("Zhang Yimou", "Yimou Zhang", true),
        ("Kim Ki-duk", "Ki-duk Kim", true),
        ("Jia Zhangke", "Zhangke Jia", true),
        ("Gustavo Hernández Ibañez", "Gustavo Hernández", true),
        ("Spielberg, Steven", "Steven Spielberg", true),
        ("Steven Spielberg", "Steven Soderbergh", false),
        ("Zhang Yimou", "Zhang Ziyi", false),
        ("Joel Coen", "Ethan Coen", false),
        // Forms two real catalogues (Wikidata and IMDb) write for one director.
        ("Kim Ki-duk", "Kim Kiduk", true),
        ("J. J. Abrams", "J.J. Abrams", true),
        ("Kirk DeMicco", "Kirk De Micco", true),
        ("Ben Garant", "Robert Ben Garant", true),
        ("Andrei Konchalovsky", "Andrey Konchalovskiy", true),
        ("Kim Ji-woon", "Jee-woon Kim", true),
        ("Park Chan-wook", "Chan-wook Park", true),
        ("Miloš Forman", "Milos Forman", true),
        ("Kim Ji-woon", "Kim Jong-un", false),
        ("Kirk DeMicco", "Kirk Douglas", false),
    ])
    func peopleWrittenDifferentlyShareAKey(a: String, b: String, same: Bool) {
        #expect(!Set(PersonNormalizer.keys(a)).isDisjoint(with: PersonNormalizer.keys(b)) == same)
        // The matcher's hashes are the hashes of these keys.
        #expect(PersonNormalizer.keyHashes(a) == PersonNormalizer.keys(a).map(stableHash))
    }

    /// Ways real catalogues write one film's title: a digit for letters, number words, a
    /// credit in front, an alternative title after "or".
    @Test(arguments: [
        ("Se7en", "Seven"),
        ("Thir13en Ghosts", "Thirteen Ghosts"),
        ("Thr3e", "Three"),
        ("Dr. Dolittle", "Doctor Dolittle"),
        ("Birdman or (The Unexpected Virtue of Ignorance)", "Birdman"),
    ])
    func stylizedSpellingsNormalizeAlike(a: String, b: String) {
        let forms = TitleNormalizer.variants(a).map(TitleNormalizer.key)
        #expect(forms.contains(TitleNormalizer.key(b)))
    }

    @Test func numberWordsAndDigitsShareANumericKey() {
        #expect(
            TitleNormalizer.normalize("Three Men and a Baby").numericKey
                == TitleNormalizer.normalize("3 Men and a Baby").numericKey
        )
        #expect(
            TitleNormalizer.normalize("Gone in Sixty Seconds").numericKey
                == TitleNormalizer.normalize("Gone in 60 Seconds").numericKey
        )
        // Not every word with a digit is a number spelled with one.
        #expect(TitleNormalizer.normalize("M3GAN").key == "m3gan")
        #expect(TitleNormalizer.normalize("2nd Chance").key == "2nd chance")
    }

    @Test(arguments: [
        ("Wes Craven's New Nightmare", "New Nightmare"),
        ("Dr. Seuss' How the Grinch Stole Christmas", "How the Grinch Stole Christmas"),
        ("Tyler Perry Presents Peeples", "Peeples"),
        ("Jackass Presents: Bad Grandpa", "Bad Grandpa"),
        ("Lee Daniels' The Butler", "The Butler"),
    ])
    func aCreditInFrontIsAForm(title: String, rest: String) {
        #expect(TitleNormalizer.creditless(title) == rest)
    }

    @Test func titlesWithoutACreditHaveNoCreditlessForm() {
        #expect(TitleNormalizer.creditless("The Matrix") == nil)
        #expect(TitleNormalizer.creditless("Presents") == nil)
        #expect(TitleNormalizer.creditless("Schindler's") == nil)
    }

    @Test func theTailIsThePartAfterTheMainTitle() {
        let title = TitleNormalizer.normalize("Tales from the Crypt: Demon Knight")
        #expect(title.tailTokens == ["demon", "knight"])
        #expect(title.mainKey == "tales from the crypt")
        #expect(TitleNormalizer.normalize("Heat").tailTokens == ["heat"])
        #expect(
            TitleNormalizer.normalize("Dr. Strangelove or: How I Learned to Stop Worrying").mainKey
                == "doctor strangelove"
        )
    }
}
