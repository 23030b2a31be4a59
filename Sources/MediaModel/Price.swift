import Foundation

/// A price as an exact decimal amount with its ISO 4217 currency code.
///
/// The amount is kept as normalized decimal text (`"3.99"`, `"10"`): no binary floating point
/// ever touches money, equal amounts have equal text, and encoding it costs nothing.
public struct Price: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The amount in the currency's major unit, as normalized decimal text.
    public let amountText: String
    /// ISO 4217 alphabetic code, upper case (`USD`, `EUR`).
    public var currency: String

    /// The amount as a `Decimal`.
    public var amount: Decimal { Decimal(string: amountText, locale: Locale(identifier: "en_US_POSIX")) ?? 0 }

    /// A price from a decimal amount, which must be non-negative and finite.
    public init(amount: Decimal, currency: String) {
        guard let price = Price(amountText: NSDecimalNumber(decimal: amount).stringValue, currency: currency) else {
            preconditionFailure("price amount \(amount) is not a non-negative decimal")
        }
        self = price
    }

    /// Parses a non-negative amount written with a dot as decimal separator (`3.99`, `12`,
    /// `0.50`); nil when it is anything else.
    public init?(amountText: String, currency: String) {
        var bytes = Array(amountText.utf8)[...]
        if bytes.allSatisfy({ $0 < 0x80 }) {
            // ASCII (every provider's price): the only whitespace is spaces and tabs.
            while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
            while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        } else {
            bytes = Array(amountText.trimmingCharacters(in: .whitespaces).utf8)[...]
        }
        var integer = bytes
        var fraction: ArraySlice<UInt8> = []
        if let dot = bytes.firstIndex(of: UInt8(ascii: ".")) {
            integer = bytes[..<dot]
            fraction = bytes[(dot + 1)...]
        }
        let isDigit = { (byte: UInt8) in (0x30...0x39).contains(byte) }
        guard !(integer.isEmpty && fraction.isEmpty), integer.count <= 15, fraction.count <= 10,
            integer.allSatisfy(isDigit), fraction.allSatisfy(isDigit)
        else { return nil }
        while integer.count > 1, integer.first == UInt8(ascii: "0") { integer = integer.dropFirst() }
        while fraction.last == UInt8(ascii: "0") { fraction = fraction.dropLast() }
        var text = integer.isEmpty ? [UInt8(ascii: "0")] : Array(integer)
        if !fraction.isEmpty { text += [UInt8(ascii: ".")] + fraction }
        self.amountText = String(decoding: text, as: UTF8.self)
        self.currency = currency
    }

    enum CodingKeys: String, CodingKey {
        case amount, currency
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let currency = try container.decode(String.self, forKey: .currency)
        let text: String
        if let string = try? container.decode(String.self, forKey: .amount) {
            text = string
        } else {
            // Numbers are accepted on input; their shortest text form is parsed as a decimal.
            text = String(try container.decode(Double.self, forKey: .amount))
        }
        guard let price = Price(amountText: text, currency: currency) else {
            throw DecodingError.dataCorruptedError(
                forKey: .amount,
                in: container,
                debugDescription: "price amount '\(text)' is not a non-negative decimal number"
            )
        }
        self = price
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(amountText, forKey: .amount)
        try container.encode(currency, forKey: .currency)
    }

    public var description: String { "\(amountText) \(currency)" }
}
