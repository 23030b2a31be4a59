/// One way to watch a title: in a country, on a service, paid for in one way.
public struct Offer: Codable, Sendable, Hashable {
    /// ISO 3166-1 alpha-2 country code, upper case.
    public var country: String
    /// Canonical service id from the ``ServiceCatalog`` (`netflix`, `prime-video`).
    public var service: String
    public var monetization: Monetization
    public var price: Price?
    public var quality: VideoQuality?
    /// Link that opens the title on the service's website.
    public var webURL: String?
    /// Link that opens the title in the service's app, when the provider gives one.
    public var deepLink: String?
    /// ISO 8601 date or date-time the offer started.
    public var availableSince: String?
    /// ISO 8601 date or date-time the offer ends.
    public var expiresOn: String?
    /// On a canonical title: the source records that reported this offer (set by resolution).
    public var sources: [String]?

    public init(
        country: String,
        service: String,
        monetization: Monetization,
        price: Price? = nil,
        quality: VideoQuality? = nil,
        webURL: String? = nil,
        deepLink: String? = nil,
        availableSince: String? = nil,
        expiresOn: String? = nil
    ) {
        self.country = country
        self.service = service
        self.monetization = monetization
        self.price = price
        self.quality = quality
        self.webURL = webURL
        self.deepLink = deepLink
        self.availableSince = availableSince
        self.expiresOn = expiresOn
    }

    /// What makes two offers the same offer when several providers report it.
    public var identity: OfferIdentity {
        OfferIdentity(country: country, service: service, monetization: monetization, quality: quality)
    }

    /// Whether `other` has the same identity, without building either.
    public func isSameOffer(as other: Offer) -> Bool {
        monetization == other.monetization && quality == other.quality && country == other.country
            && service == other.service
    }
}

/// The (country, service, monetization, quality) key of an offer.
public struct OfferIdentity: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var country: String
    public var service: String
    public var monetization: Monetization
    public var quality: VideoQuality?

    public static func < (lhs: OfferIdentity, rhs: OfferIdentity) -> Bool {
        if lhs.country != rhs.country { return lhs.country < rhs.country }
        if lhs.service != rhs.service { return lhs.service < rhs.service }
        if lhs.monetization != rhs.monetization { return lhs.monetization < rhs.monetization }
        return (lhs.quality?.rawValue ?? "-") < (rhs.quality?.rawValue ?? "-")
    }

    public var description: String {
        "\(country)/\(service)/\(monetization.rawValue)/\(quality?.rawValue ?? "-")"
    }
}
