import ConfigFiles
import Foundation
import MediaModel

/// Provider vocabularies mapped into the canonical one, from the tables in `connectors/*.yml`.
///
/// Nothing is dropped silently: a service without a mapping is kept under a well-formed form of
/// its provider id, and every unmapped value is counted so the run can report it.
public struct Mapping: Sendable {
    /// Provider service id (optionally `id:monetization`) → canonical service id.
    public var services: [String: String]
    /// Provider genre id or name (lower-cased) → canonical genre.
    public var genres: [String: Genre]
    /// Country → ISO 4217 currency, for providers that send prices without one.
    public var currencies: [String: String]

    public init(services: [String: String] = [:], genres: [String: Genre] = [:], currencies: [String: String] = [:]) {
        self.services = services
        self.genres = genres
        self.currencies = currencies
    }

    init(services: ConfigNode?, genres: ConfigNode?, currencies: ConfigNode?) throws {
        self.init()
        for (key, value) in try services?.table() ?? [] {
            let id = try value.string()
            guard ServiceCatalog.isWellFormed(id) else {
                throw value.error("expected a canonical service id (lower-case letters, digits, dashes), found '\(id)'")
            }
            self.services[key.lowercased()] = id
        }
        for (key, value) in try genres?.table() ?? [] {
            let name = try value.string()
            guard let genre = Genre(rawValue: name) else {
                throw value.error(
                    "unknown canonical genre '\(name)'; expected one of \(Genre.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            self.genres[key.lowercased()] = genre
        }
        for (key, value) in try currencies?.table() ?? [] {
            let code = try value.string()
            guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw value.error("expected an ISO 4217 currency code, found '\(code)'")
            }
            self.currencies[key.uppercased()] = code
        }
    }

    /// An offer in `country` on the service `providerID` maps to; nil where it maps to none.
    func offer(on providerID: String, monetization: Monetization, in country: String, unmapped: inout [String: Int])
        -> Offer?
    {
        guard let service = service(providerID, monetization: monetization, unmapped: &unmapped) else { return nil }
        return Offer(country: country.uppercased(), service: service, monetization: monetization)
    }

    /// The canonical service for a provider service id, trying `id:monetization` first.
    public func service(_ providerID: String, monetization: Monetization? = nil, unmapped: inout [String: Int])
        -> String?
    {
        let key = providerID.lowercased()
        if let monetization, let mapped = services["\(key):\(monetization.rawValue)"] { return mapped }
        if let mapped = services[key] { return mapped }
        unmapped["service:\(providerID)", default: 0] += 1
        let slug = String(
            key.map { $0.isLetter || $0.isNumber ? $0 : "-" }.filter { $0.isASCII }
        ).split(separator: "-").joined(separator: "-")
        return ServiceCatalog.isWellFormed(slug) ? slug : nil
    }

    /// Canonical genres for provider genre ids or names, in order, without repeats.
    public func genres(_ names: [String], unmapped: inout [String: Int]) -> [Genre]? {
        var result: [Genre] = []
        for name in names {
            guard let genre = genres[name.lowercased()] ?? Genre(lenientName: name) else {
                unmapped["genre:\(name)", default: 0] += 1
                continue
            }
            if !result.contains(genre) { result.append(genre) }
        }
        return result.isEmpty ? nil : result
    }

    /// The currency prices are in, in a country.
    public func currency(country: String) -> String? {
        currencies[country] ?? Self.defaultCurrencies[country]
    }

    static let defaultCurrencies: [String: String] = [
        "US": "USD", "CA": "CAD", "GB": "GBP", "AU": "AUD", "NZ": "NZD", "BR": "BRL", "MX": "MXN", "IN": "INR",
        "JP": "JPY", "KR": "KRW", "CH": "CHF", "SE": "SEK", "NO": "NOK", "DK": "DKK", "PL": "PLN", "AR": "ARS",
        "CO": "COP", "CL": "CLP", "ZA": "ZAR", "DE": "EUR", "FR": "EUR", "ES": "EUR", "IT": "EUR", "NL": "EUR",
        "BE": "EUR", "AT": "EUR", "IE": "EUR", "PT": "EUR", "FI": "EUR", "GR": "EUR",
    ]
}

/// Conversions every connector needs.
public enum ProviderValues {
    /// Unix seconds → ISO 8601 UTC date-time (`2024-07-01T03:59:00Z`), computed directly: a
    /// date format style costs more than mapping the rest of a record.
    public static func isoDateTime(unix: Int) -> String {
        let seconds = (unix % 86_400 + 86_400) % 86_400
        var text = isoDay(unix: unix)
        text += "T"
        for (index, value) in [seconds / 3600, seconds % 3600 / 60, seconds % 60].enumerated() {
            if index > 0 { text += ":" }
            text += value < 10 ? "0\(value)" : "\(value)"
        }
        return text + "Z"
    }

    /// The UTC day of a Unix time as `yyyy-MM-dd`.
    public static func isoDay(unix: Int) -> String {
        CivilDate(daysSince1970: unix >= 0 ? unix / 86_400 : (unix - 86_399) / 86_400).isoText
    }

    /// The UTC day of `date` as `yyyy-MM-dd`.
    public static func utcDay(_ date: Date) -> String {
        isoDay(unix: Int(date.timeIntervalSince1970.rounded(.down)))
    }

    /// The `yyyy-MM-dd` part of an ISO 8601 date or date-time, when it is one.
    public static func isoDate(_ text: String?) -> String? {
        guard let text, text.count >= 10 else { return nil }
        let date = String(text.prefix(10))
        return SourceRecord.isISODate(date) ? date : nil
    }

    /// The year of an ISO 8601 date.
    public static func year(_ text: String?) -> Int? {
        guard let date = isoDate(text) else { return nil }
        return Int(date.prefix(4))
    }

    /// Minutes in an ISO 8601 duration (`PT1H2M30S` → 63, rounded half up); nil for zero or junk.
    public static func minutes(iso8601Duration text: String) -> Int? {
        guard text.hasPrefix("P") else { return nil }
        var seconds = 0.0
        var number = ""
        var inTime = false
        for character in text.dropFirst() {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            if character == "T" {
                inTime = true
                continue
            }
            guard let value = Double(number) else { return nil }
            number = ""
            switch (character, inTime) {
            case ("W", false): seconds += value * 604_800
            case ("D", false): seconds += value * 86_400
            case ("H", true): seconds += value * 3600
            case ("M", true): seconds += value * 60
            case ("S", true): seconds += value
            default: return nil
            }
        }
        guard number.isEmpty, seconds > 0 else { return nil }
        return max(1, Int((seconds / 60).rounded()))
    }

    /// A price from decimal text; nil when the amount is not a non-negative decimal.
    public static func price(_ amount: String?, currency: String?) -> Price? {
        guard let amount, let currency, currency.count == 3 else { return nil }
        return Price(amountText: amount, currency: currency.uppercased())
    }

    /// Offers without repeats of the same (country, service, monetization, quality): the first wins.
    public static func distinctOffers(_ offers: [Offer]) -> [Offer]? {
        guard !offers.isEmpty else { return nil }
        if offers.count <= 32 {
            // A title's few offers: comparing pairs costs less than hashing every identity.
            var result: [Offer] = []
            result.reserveCapacity(offers.count)
            for offer in offers where !result.contains(where: { $0.isSameOffer(as: offer) }) { result.append(offer) }
            return result
        }
        var seen = Set<OfferIdentity>()
        return offers.filter { seen.insert($0.identity).inserted }
    }
}

/// Builds a page's items and rejections from mapped records, validating each.
struct PageBuilder {
    var page: FetchedPage
    let now = Date()

    init(payloads: [RawPayload], cursor: String, isLast: Bool) {
        page = FetchedPage(payloads: payloads, cursor: cursor, isLast: isLast)
    }

    /// Adds a mapped record, or quarantines it with the validation problems.
    mutating func add(_ record: SourceRecord, location: String, excerpt: @autoclosure () -> String) {
        let problems = record.problems(now: now)
        if problems.isEmpty {
            page.items.append(.init(record: record, location: location))
        } else {
            reject(location: location, reason: problems.joined(separator: "; "), excerpt: excerpt())
        }
    }

    mutating func reject(location: String, reason: String, excerpt: String) {
        page.rejections.append(.init(location: location, reason: reason, excerpt: String(excerpt.prefix(500))))
    }

    /// Maps each element with `map`; an element that throws or returns problems is quarantined.
    mutating func addEach(
        _ elements: [JSONValue],
        location: (Int) -> String,
        map: (JSONValue, inout [String: Int]) throws -> [SourceRecord]
    ) {
        for (index, element) in elements.enumerated() {
            do {
                for record in try map(element, &page.unmapped) {
                    add(record, location: location(index), excerpt: element.excerpt)
                }
            } catch {
                reject(location: location(index), reason: "\(error)", excerpt: element.excerpt)
            }
        }
    }
}

/// A record-level mapping failure: the record is quarantined with this reason.
struct MappingError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension JSONValue {
    /// A short JSON-ish rendering for quarantine excerpts.
    var excerpt: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return "\(value)"
        case .number(let text): return text
        case .string(let text): return "\"\(text.prefix(200))\""
        case .array(let items): return "[" + items.prefix(5).map(\.excerpt).joined(separator: ",") + "]"
        case .object(let members):
            var text = "{"
            for (key, value) in members.members {
                if text.count > 400 { break }
                text += "\"\(key)\":\(value.excerpt),"
            }
            return text + "}"
        }
    }

    /// Requires a non-empty string member.
    func require(_ key: String) throws -> String {
        if let value = self[key]?.string { return value }
        if let value = self[key]?.int { return String(value) }
        throw MappingError("missing field '\(key)'")
    }
}

/// How one provider names monetization types and video qualities in its offers.
struct OfferTerms: Sendable {
    let monetizations: [String: Monetization]
    let qualities: [String: VideoQuality]

    /// The monetization `name` stands for; an unknown name is counted (`monetization:PVOD`) and gives nil.
    func monetization(_ name: String?, unmapped: inout [String: Int]) -> Monetization? {
        if let name, let monetization = monetizations[name] { return monetization }
        unmapped["monetization:\(name ?? "null")", default: 0] += 1
        return nil
    }

    /// The quality `name` stands for; nil when the provider gives none or one this does not know.
    func quality(_ name: String?) -> VideoQuality? {
        name.flatMap { qualities[$0] }
    }
}
