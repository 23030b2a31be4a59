import Foundation

extension SourceRecord {
    /// Earliest year accepted: the first films were shot in the 1870s–1880s.
    public static let earliestYear = 1870

    /// What is wrong with this record, as messages naming the field; empty when it is valid.
    ///
    /// Checks what the type system cannot: non-empty text, plausible years and runtimes, code
    /// formats (IMDb, ISO countries and currencies), dates, and each offer.
    public func problems(now: Date = Date()) -> [String] {
        var problems: [String] = []
        // Years since 1970 in mean Gregorian years: exact enough for a ten-year margin, and far
        // cheaper than a Calendar per record.
        let latestYear = 1970 + Int(now.timeIntervalSince1970 / 31_556_952) + 10
        // `allSatisfy(\.isWhitespace)` rather than Foundation's trimming: this runs for every
        // record a connector maps, tens of thousands a second.
        if id.allSatisfy(\.isWhitespace) { problems.append("field 'id' is empty") }
        if id.utf8.count > 256 && id.count > 256 { problems.append("field 'id' is longer than 256 characters") }
        if title.allSatisfy(\.isWhitespace) { problems.append("field 'title' is empty") }
        if title.utf8.count > 1000 && title.count > 1000 {
            problems.append("field 'title' is longer than 1000 characters")
        }
        if let year, !(Self.earliestYear...latestYear).contains(year) {
            problems.append("field 'year' is \(year), outside \(Self.earliestYear)…\(latestYear)")
        }
        if let runtimeMinutes, !(1...2000).contains(runtimeMinutes) {
            problems.append("field 'runtimeMinutes' is \(runtimeMinutes), outside 1…2000")
        }
        if let releaseDate, !Self.isISODate(releaseDate) {
            problems.append("field 'releaseDate' is '\(releaseDate)', not an ISO 8601 date")
        }
        if let imdb = externalIDs?.imdb, !Self.isIMDbID(imdb) {
            problems.append("field 'externalIDs.imdb' is '\(imdb)', expected tt followed by 7–10 digits")
        }
        for (index, country) in (countries ?? []).enumerated() where !Self.isCountryCode(country) {
            problems.append("field 'countries[\(index)]' is '\(country)', expected an ISO 3166-1 alpha-2 code")
        }
        for (index, offer) in (offers ?? []).enumerated() {
            problems += offer.problems().map { "offers[\(index)]: \($0)" }
        }
        if (kind == .season || kind == .episode) && parentID == nil {
            problems.append("field 'parentID' is required for kind '\(kind.rawValue)'")
        }
        return problems
    }

    static func isIMDbID(_ text: String) -> Bool {
        text.hasPrefix("tt") && (9...12).contains(text.count) && text.dropFirst(2).allSatisfy(\.isASCIIDigit)
    }

    static func isCountryCode(_ text: String) -> Bool {
        text.count == 2 && text.allSatisfy { $0.isASCII && $0.isUppercase }
    }

    /// Accepts `YYYY-MM-DD` optionally followed by a time (`T…`), which covers what providers send.
    public static func isISODate(_ text: String) -> Bool {
        // Byte by byte: every offer of every record is checked on the way into staging.
        var month = 0
        var day = 0
        var length = 0
        for byte in text.utf8 {
            switch length {
            case 4, 7:
                guard byte == UInt8(ascii: "-") else { return false }
            case 0...9:
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return false }
                let digit = Int(byte - UInt8(ascii: "0"))
                if length == 5 || length == 6 { month = month * 10 + digit }
                if length == 8 || length == 9 { day = day * 10 + digit }
            default:
                // A date-time goes on with `T`; the time itself is not checked.
                return byte == UInt8(ascii: "T") && (1...12).contains(month) && (1...31).contains(day)
            }
            length += 1
        }
        return length == 10 && (1...12).contains(month) && (1...31).contains(day)
    }
}

extension Offer {
    /// What is wrong with this offer, as messages naming the field.
    public func problems() -> [String] {
        var problems: [String] = []
        if !SourceRecord.isCountryCode(country) {
            problems.append("field 'country' is '\(country)', expected an ISO 3166-1 alpha-2 code")
        }
        if !ServiceCatalog.isWellFormed(service) {
            problems.append("field 'service' is '\(service)', expected lower-case letters, digits and dashes")
        }
        if let price, !(price.currency.count == 3 && price.currency.allSatisfy { $0.isASCII && $0.isUppercase }) {
            problems.append("field 'price.currency' is '\(price.currency)', expected an ISO 4217 code")
        }
        for (name, value) in [("availableSince", availableSince), ("expiresOn", expiresOn)] {
            if let value, !SourceRecord.isISODate(value) {
                problems.append("field '\(name)' is '\(value)', not an ISO 8601 date")
            }
        }
        return problems
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
