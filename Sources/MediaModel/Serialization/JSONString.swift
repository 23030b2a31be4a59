/// JSON string literals, written byte-wise: the one place the project quotes text as JSON by
/// hand (request bodies built without `JSONSerialization`, the archive's part headers, the
/// daemon's responses through `JSONWriter`).
public enum JSONString {
    /// Appends `text` as a JSON string, escaped as `JSONEncoder` escapes: quotes and backslashes,
    /// `\b \t \n \f \r` by name, other control characters as `\u00xx`, every other UTF-8 byte
    /// (slashes too) as it is. Runs without escapes are copied whole.
    public static func append(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                switch byte {
                case 0x22, 0x5C: output += [UInt8(ascii: "\\"), byte]
                case 0x08: output += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
                case 0x09: output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case 0x0A: output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case 0x0C: output += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
                case 0x0D: output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                default:
                    output += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")]
                    output += [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
                }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
