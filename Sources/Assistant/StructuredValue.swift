import Foundation
import MCP

/// Encodable values as MCP `Value`s, fast. The SDK's `Value(_:)` encodes to JSON and decodes
/// that with `Value`'s `Decodable`, which tries each kind in turn at every node and took about
/// 10 ms per title (docs/benchmarks.md); this encodes once and converts the parsed JSON directly.
enum StructuredValue {
    static func make(_ value: some Encodable) throws -> Value {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return convert(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    /// As ``make(_:)``, typed optional so that `CallTool.Result` takes the `Value` as it is
    /// instead of encoding it again through its generic initializer.
    static func optional(_ value: some Encodable) throws -> Value? {
        try make(value)
    }

    static func convert(_ object: Any) -> Value {
        switch object {
        case let text as String:
            return .string(text)
        case let number as NSNumber:
            // JSON booleans parse as NSNumbers of type char ("c"); integers as integral types.
            switch String(cString: number.objCType) {
            case "c", "B": return .bool(number.boolValue)
            case "d", "f": return .double(number.doubleValue)
            default: return .int(number.intValue)
            }
        case let array as [Any]:
            return .array(array.map(convert))
        case let dictionary as [String: Any]:
            return .object(dictionary.mapValues(convert))
        default:
            return .null
        }
    }
}
