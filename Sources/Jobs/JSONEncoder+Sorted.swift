import Foundation

extension JSONEncoder {
    /// Sorted keys, unescaped slashes: what run history and cursors store.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
