/// JSON text written byte by byte, for the responses a daemon sends most: the same bytes
/// `JSONEncoder` writes with `.sortedKeys` and `.withoutEscapingSlashes` (tests compare the two
/// over real and hand-made titles), without its per-value boxing, which cost a search response
/// more CPU than the search itself.
///
/// Keys are written in the order given, so callers give them sorted (byte-wise, as the encoder
/// sorts); dictionaries are sorted here. Optional fields are left out when nil, as synthesized
/// `Encodable` conformances leave them out.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next key or array element needs a comma before it.
    private var afterValue = false

    public init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    // MARK: Structure

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        afterValue = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        afterValue = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        afterValue = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        afterValue = true
    }

    /// An object member's key; its value is written next.
    public mutating func key(_ name: String) {
        separate()
        JSONString.append(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        afterValue = false
    }

    private mutating func separate() {
        if afterValue { bytes.append(UInt8(ascii: ",")) }
    }

    // MARK: Values

    public mutating func value(_ text: String) {
        separate()
        JSONString.append(text, to: &bytes)
        afterValue = true
    }

    public mutating func value(_ number: Int) {
        separate()
        bytes.append(contentsOf: String(number).utf8)
        afterValue = true
    }

    /// As `JSONEncoder` writes a `Double`: its shortest text, without a trailing `.0`; a value
    /// that is not finite (which the encoder refuses) as `null`.
    public mutating func value(_ number: Double) {
        separate()
        if number.isFinite {
            var text = number.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            bytes.append(contentsOf: text.utf8)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
        afterValue = true
    }

    // MARK: Fields

    public mutating func field(_ name: String, _ text: String?) {
        guard let text else { return }
        key(name)
        value(text)
    }

    public mutating func field(_ name: String, _ number: Int?) {
        guard let number else { return }
        key(name)
        value(number)
    }

    public mutating func field(_ name: String, _ number: Double?) {
        guard let number else { return }
        key(name)
        value(number)
    }

    public mutating func field(_ name: String, _ texts: [String]?) {
        field(name, texts) { $0.value($1) }
    }

    public mutating func field<Element>(
        _ name: String,
        _ elements: [Element]?,
        _ write: (inout JSONWriter, Element) -> Void
    ) {
        guard let elements else { return }
        key(name)
        beginArray()
        for element in elements { write(&self, element) }
        endArray()
    }

    /// A dictionary as an object, its keys sorted as the encoder sorts them.
    public mutating func field<Element>(
        _ name: String,
        _ members: [String: Element]?,
        _ write: (inout JSONWriter, Element) -> Void
    ) {
        guard let members else { return }
        key(name)
        beginObject()
        for (memberKey, element) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            key(memberKey)
            write(&self, element)
        }
        endObject()
    }

}

// MARK: The model

extension JSONWriter {
    /// A canonical title, as its synthesized `Encodable` conformance writes it.
    public mutating func write(_ title: CanonicalTitle) {
        beginObject()
        field("alternateTitles", title.alternateTitles) { $0.value(strings: $1) }
        field("cast", title.cast)
        field("countries", title.countries)
        field("directors", title.directors)
        key("externalIDs")
        write(title.externalIDs)
        field("fieldSources", title.fieldSources) { $0.value($1) }
        field("genres", title.genres.map(\.rawValue))
        field("id", title.id)
        field("images", title.images) { $0.write($1) }
        field("kind", title.kind.rawValue)
        field("languages", title.languages)
        field("members", title.members)
        field("offers", title.offers) { $0.write($1) }
        field("originalTitle", title.originalTitle)
        field("overview", title.overview)
        field("ratings", title.ratings) { $0.write($1) }
        field("releaseDate", title.releaseDate)
        field("runtimeMinutes", title.runtimeMinutes)
        field("title", title.title)
        field("year", title.year)
        endObject()
    }

    public mutating func write(_ offer: Offer) {
        beginObject()
        field("availableSince", offer.availableSince)
        field("country", offer.country)
        field("deepLink", offer.deepLink)
        field("expiresOn", offer.expiresOn)
        field("monetization", offer.monetization.rawValue)
        if let price = offer.price {
            key("price")
            beginObject()
            field("amount", price.amountText)
            field("currency", price.currency)
            endObject()
        }
        field("quality", offer.quality?.rawValue)
        field("service", offer.service)
        field("sources", offer.sources)
        field("webURL", offer.webURL)
        endObject()
    }

    public mutating func write(_ ids: ExternalIDs) {
        beginObject()
        field("eidr", ids.eidr)
        field("imdb", ids.imdb)
        field("tmdbMovie", ids.tmdbMovie)
        field("tmdbTV", ids.tmdbTV)
        field("tvdb", ids.tvdb)
        field("wikidata", ids.wikidata)
        endObject()
    }

    public mutating func write(_ rating: Rating) {
        beginObject()
        field("scale", rating.scale)
        field("source", rating.source)
        field("value", rating.value)
        field("votes", rating.votes)
        endObject()
    }

    public mutating func write(_ image: Image) {
        beginObject()
        field("height", image.height)
        field("kind", image.kind)
        field("url", image.url)
        field("width", image.width)
        endObject()
    }

    /// An array of strings.
    public mutating func value(strings: [String]) {
        beginArray()
        for text in strings { value(text) }
        endArray()
    }
}
