import Foundation

/// A price as an exact decimal amount with its ISO 4217 currency code.
///
/// The amount travels as a string (`"3.99"`) so that no binary floating point ever touches money.
public struct Price: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The amount in the currency's major unit.
    public var amount: Decimal
    /// ISO 4217 alphabetic code, upper case (`USD`, `EUR`).
    public var currency: String

    public init(amount: Decimal, currency: String) {
        self.amount = amount
        self.currency = currency
    }

    /// Parses an amount written with a dot as decimal separator; nil when it is not a plain number.
    public init?(amountText: String, currency: String) {
        let trimmed = amountText.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            trimmed.filter({ $0 == "." }).count <= 1,
            let amount = Decimal(string: trimmed, locale: Locale(identifier: "en_US_POSIX"))
        else { return nil }
        self.init(amount: amount, currency: currency)
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

    /// The amount as plain decimal text (`3.99`).
    public var amountText: String {
        NSDecimalNumber(decimal: amount).stringValue
    }

    public var description: String { "\(amountText) \(currency)" }
}
