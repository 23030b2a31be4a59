/// A streaming or store service in the canonical catalog.
public struct Service: Codable, Sendable, Hashable {
    /// Stable lower-case id (`netflix`).
    public var id: String
    /// Display name (`Netflix`).
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// The canonical service catalog that provider service ids map into.
///
/// Offers may name services outside the catalog (a provider can know a local service before we
/// do); such ids are kept as given and reported, never dropped.
public enum ServiceCatalog {
    /// Every known service, sorted by id.
    public static let all: [Service] = [
        Service(id: "apple-tv-plus", name: "Apple TV+"),
        Service(id: "apple-tv-store", name: "Apple TV Store"),
        Service(id: "bbc-iplayer", name: "BBC iPlayer"),
        Service(id: "canal-plus", name: "Canal+"),
        Service(id: "crunchyroll", name: "Crunchyroll"),
        Service(id: "curiosity-stream", name: "CuriosityStream"),
        Service(id: "disney-plus", name: "Disney+"),
        Service(id: "fandango-at-home", name: "Fandango at Home"),
        Service(id: "google-play", name: "Google Play Movies"),
        Service(id: "hulu", name: "Hulu"),
        Service(id: "kanopy", name: "Kanopy"),
        Service(id: "max", name: "Max"),
        Service(id: "mubi", name: "MUBI"),
        Service(id: "netflix", name: "Netflix"),
        Service(id: "paramount-plus", name: "Paramount+"),
        Service(id: "peacock", name: "Peacock"),
        Service(id: "pluto-tv", name: "Pluto TV"),
        Service(id: "prime-video", name: "Prime Video"),
        Service(id: "starz", name: "Starz"),
        Service(id: "tubi", name: "Tubi"),
        Service(id: "youtube", name: "YouTube"),
    ]

    private static let byID: [String: Service] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    /// The service with this id, if it is in the catalog.
    public static func service(id: String) -> Service? {
        byID[id]
    }

    /// Whether a service id is a well-formed catalog id: lower-case letters, digits and dashes.
    public static func isWellFormed(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64
            && id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}
