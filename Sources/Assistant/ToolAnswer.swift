import Foundation
import MCP

/// What a tool answers: the text parts and the structured result, the latter kept as the JSON
/// it was encoded to once.
///
/// The SDK's `Value(_:)` encodes to JSON and decodes that with `Value`'s `Decodable`, which
/// tries each kind in turn at every node and matches every string against a data-URL regex; it
/// took about 10 ms per title (docs/benchmarks.md). ``ToolCallShortcut`` puts ``structuredJSON``
/// into the reply as it is; only the SDK's own handler and tests build a `Value` from it.
public struct ToolAnswer: Sendable {
    public var content: [Tool.Content]
    /// The structured result as JSON (keys sorted), or nil for an error answer.
    public var structuredJSON: Data?
    public var isError: Bool?

    init(content: [Tool.Content], structured: some Encodable) throws {
        self.content = content
        structuredJSON = try Self.encoder().encode(structured)
    }

    /// Keys sorted and slashes bare, as the SDK encodes.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// An error result with one text part, for the model to read and correct its call.
    init(error text: String) {
        content = [TitleTools.text(text)]
        isError = true
    }

    /// The structured result as the SDK's `Value`.
    public var structuredContent: Value? {
        guard let structuredJSON,
            let object = try? JSONSerialization.jsonObject(with: structuredJSON, options: [.fragmentsAllowed])
        else { return nil }
        return Self.convert(object)
    }

    /// As the SDK's result type, for the SDK's own `tools/call` handler.
    public var result: CallTool.Result {
        CallTool.Result(content: content, structuredContent: structuredContent, isError: isError)
    }

    /// The JSON of `result`, written from the parts without a `Value` in between (the same keys
    /// in the same sorted order as the SDK's encoding).
    public func resultJSON() throws -> Data {
        var json = Data(#"{"content":"#.utf8)
        json.append(try Self.encoder().encode(content))
        if let isError { json.append(Data(#","isError":\#(isError)"#.utf8)) }
        if let structuredJSON {
            json.append(Data(#","structuredContent":"#.utf8))
            json.append(structuredJSON)
        }
        json.append(Data("}".utf8))
        return json
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
