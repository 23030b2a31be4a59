import Foundation
import MediaModel

/// The catalog the simulator serves: real-world titles (the ground truth) and how each provider
/// sees them — overlapping but differently shaped: title variants, missing ids, years and
/// runtimes off a little, different genre and service vocabularies, offers per country.
public struct SimulatedWorld: Sendable {
    public struct Title: Sendable {
        public var index: Int
        public var kind: TitleKind
        public var title: String
        public var year: Int
        public var runtime: Int
        public var genres: [Genre]
        public var directors: [String]
        public var cast: [String]
        public var overview: String
        public var imdb: String
        public var tmdb: Int
        /// When the title last changed (drives the changes endpoints).
        public var changedAt: Date
        /// Which providers carry it.
        public var onStreamingAvailability: Bool
        public var onWatchmode: Bool
        public var onJustWatch: Bool
        /// (country, service index into `SimulatedWorld.services`, monetization, price cents).
        public var offers: [(country: String, service: Int, monetization: Monetization, cents: Int?)]
        /// Random bits each provider uses to vary its copy.
        public var variation: UInt64
    }

    public struct Video: Sendable {
        public var id: String
        public var channel: Int
        public var title: String
        public var description: String
        public var published: Date
        public var seconds: Int
        public var views: Int
    }

    /// Canonical service, with each provider's id for it.
    public struct ServiceNames: Sendable {
        public var canonical: String
        public var streamingAvailability: String
        public var watchmode: Int
        public var justWatch: String
        public var name: String
    }

    public static let services: [ServiceNames] = [
        ServiceNames(
            canonical: "netflix",
            streamingAvailability: "netflix",
            watchmode: 203,
            justWatch: "nfx",
            name: "Netflix"
        ),
        ServiceNames(
            canonical: "prime-video",
            streamingAvailability: "prime",
            watchmode: 26,
            justWatch: "amp",
            name: "Prime Video"
        ),
        ServiceNames(
            canonical: "disney-plus",
            streamingAvailability: "disney",
            watchmode: 372,
            justWatch: "dnp",
            name: "Disney+"
        ),
        ServiceNames(canonical: "max", streamingAvailability: "hbo", watchmode: 387, justWatch: "mxx", name: "Max"),
        ServiceNames(canonical: "hulu", streamingAvailability: "hulu", watchmode: 157, justWatch: "hlu", name: "Hulu"),
        ServiceNames(
            canonical: "apple-tv-store",
            streamingAvailability: "apple",
            watchmode: 349,
            justWatch: "itu",
            name: "Apple TV"
        ),
        ServiceNames(canonical: "tubi", streamingAvailability: "tubi", watchmode: 73, justWatch: "tbv", name: "Tubi"),
    ]

    public static let countries = ["US", "GB"]
    public static let channels = [
        "UCsimulatedFilmsChannel001", "UCsimulatedTrailers000002", "UCsimulatedShortsChan0003",
    ]

    public var titles: [Title]
    public var videos: [Video]
    public let now: Date

    /// A world of `count` titles, the first ones taken from `base` (the sample catalog) when given.
    public init(count: Int, seed: UInt64 = 42, base: [SourceRecord] = [], now: Date = Date()) {
        self.now = now
        var random = SimulatorRandom(seed: seed)
        let baseMovies = base.filter { $0.kind == .movie && $0.year != nil }
        titles = (0..<count).map { index in
            var title: Title
            if index < baseMovies.count {
                let record = baseMovies[index]
                title = Title(
                    index: index,
                    kind: .movie,
                    title: record.title,
                    year: record.year ?? 2000,
                    runtime: record.runtimeMinutes ?? 90 + Int(random.next() % 60),
                    genres: record.genres ?? [.drama],
                    directors: record.directors ?? [],
                    cast: Array((record.cast ?? []).prefix(5)),
                    overview: record.overview ?? "",
                    imdb: record.externalIDs?.imdb ?? String(format: "tt%08d", 30_000_000 + index),
                    tmdb: 500_000 + index,
                    changedAt: now,
                    onStreamingAvailability: true,
                    onWatchmode: true,
                    onJustWatch: true,
                    offers: [],
                    variation: 0
                )
            } else {
                title = Self.synthetic(index: index, random: &random, now: now)
            }
            title.changedAt = now.addingTimeInterval(-Double(random.next() % (60 * 86_400)))
            title.onStreamingAvailability = random.chance(0.85)
            title.onWatchmode = random.chance(0.75)
            title.onJustWatch = random.chance(0.80)
            title.variation = random.next()
            title.offers = Self.offers(random: &random)
            return title
        }
        let videoCount = max(3, count / 20)
        videos = (0..<videoCount).map { index in
            let channel = index % Self.channels.count
            var id = ""
            var bits = random.next()
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            for _ in 0..<11 {
                id.append(alphabet[Int(bits % 64)])
                bits /= 64
            }
            let words = Self.words
            let title = (0..<4).map { _ in words[Int(random.next() % UInt64(words.count))].capitalized }.joined(
                separator: " "
            )
            return Video(
                id: id,
                channel: channel,
                title: "\(title) | Official Clip",
                description: "A clip about \(title.lowercased()).",
                published: now.addingTimeInterval(-Double(index) * 3600 * 7),
                seconds: 30 + Int(random.next() % 3600),
                views: Int(random.next() % 1_000_000)
            )
        }
    }

    static let words = [
        "shadow", "river", "empire", "silent", "crimson", "garden", "winter", "midnight", "echo", "harbor", "glass",
        "iron", "paper", "lantern", "storm", "orchard", "signal", "velvet", "desert", "comet", "atlas", "raven",
        "summer", "hollow", "crown", "tide", "ember", "north", "saint", "wolf", "mirror", "canyon", "ghost", "island",
        "thunder", "secret", "broken", "golden", "last", "little",
    ]
    static let firstNames = [
        "Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca",
    ]
    static let lastNames = [
        "Alvarez", "Brooks", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Hughes", "Ivanova", "Jensen",
    ]

    static func synthetic(index: Int, random: inout SimulatorRandom, now: Date) -> Title {
        func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        func person() -> String { "\(pick(firstNames)) \(pick(lastNames))" }
        let wordCount = 1 + Int(random.next() % 3)
        var name = (0..<wordCount).map { _ in pick(words).capitalized }.joined(separator: " ")
        if random.chance(0.3) { name = "The " + name }
        if random.chance(0.15) { name += " and the " + pick(words).capitalized }
        // Several films share a name (remakes): the index keeps them apart in the truth.
        let kind: TitleKind = random.chance(0.8) ? .movie : .series
        let genres = Array(Set((0..<(1 + Int(random.next() % 3))).map { _ in pick(Genre.allCases) })).sorted()
        return Title(
            index: index,
            kind: kind,
            title: name,
            year: 1950 + Int(random.next() % 76),
            runtime: kind == .movie ? 80 + Int(random.next() % 70) : 25 + Int(random.next() % 35),
            genres: genres,
            directors: [person()],
            cast: (0..<4).map { _ in person() },
            overview:
                "A story of \(pick(words)) and \(pick(words)), where \(person()) faces the \(pick(words)) \(pick(words)).",
            imdb: String(format: "tt%08d", 20_000_000 + index),
            tmdb: 900_000 + index,
            changedAt: now,
            onStreamingAvailability: true,
            onWatchmode: true,
            onJustWatch: true,
            offers: [],
            variation: 0
        )
    }

    static func offers(random: inout SimulatorRandom) -> [(
        country: String, service: Int, monetization: Monetization, cents: Int?
    )] {
        var offers: [(country: String, service: Int, monetization: Monetization, cents: Int?)] = []
        for country in countries where random.chance(0.8) {
            let service = Int(random.next() % UInt64(services.count))
            switch services[service].canonical {
            case "apple-tv-store":
                offers.append((country, service, .rent, 299 + Int(random.next() % 3) * 100))
                offers.append((country, service, .buy, 999 + Int(random.next() % 5) * 100))
            case "tubi":
                offers.append((country, service, .ads, nil))
            default:
                offers.append((country, service, .subscription, nil))
            }
        }
        return offers
    }

    /// Which source records are the same real-world title, one JSON line per title:
    /// `{"title":"sim-17","year":1999,"records":["watchmode:1000017", …]}`.
    public func groundTruth() -> Data {
        var lines = ""
        for title in titles {
            var keys: [String] = []
            let countries = Set(title.offers.map(\.country)).sorted()
            if title.onStreamingAvailability {
                keys += countries.map { "streaming-availability:\(title.index + 1)@\($0.lowercased())" }
            }
            if title.onWatchmode && !title.offers.isEmpty { keys.append("watchmode:\(1_000_000 + title.index)") }
            if title.onJustWatch { keys += countries.map { "justwatch:tm\(10_000 + title.index)@\($0.lowercased())" } }
            guard !keys.isEmpty else { continue }
            let escaped = title.title.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\"",
                with: "\\\""
            )
            let records = keys.map { "\"\($0)\"" }.joined(separator: ",")
            lines +=
                "{\"title\":\"sim-\(title.index)\",\"name\":\"\(escaped)\",\"year\":\(title.year),\"records\":[\(records)]}\n"
        }
        return Data(lines.utf8)
    }
}

/// The simulator's generator: a seed always makes the same world.
public typealias SimulatorRandom = SplitMix64

extension SplitMix64 {
    mutating func chance(_ probability: Double) -> Bool {
        Double(next() % 1_000_000) / 1_000_000 < probability
    }
}
