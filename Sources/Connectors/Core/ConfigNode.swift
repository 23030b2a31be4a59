import Foundation
import MediaModel
import Yams

/// A node of a YAML configuration file that knows where it is, so that every error names the
/// file, the key path and the line, and says what was expected.
// Yams nodes are immutable values once parsed; they only lack the annotation.
public struct ConfigNode: @unchecked Sendable {
    public let file: String
    /// Dotted key path from the document root (`quota.daily_units`); empty at the root.
    public let path: String
    let node: Node

    /// Parses a YAML file; an empty file is an empty mapping.
    public static func load(file: String) throws -> ConfigNode {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw MediaError(.configuration, "cannot read \(file)")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: file)
    }

    public static func parse(_ text: String, file: String) throws -> ConfigNode {
        do {
            let node = try Yams.compose(yaml: text) ?? Node.mapping(Node.Mapping([]))
            return ConfigNode(file: file, path: "", node: node)
        } catch let error as YamlError {
            throw MediaError(.configuration, "\(file): invalid YAML: \(error)")
        }
    }

    private var line: String {
        node.mark.map { " (line \($0.line))" } ?? ""
    }

    private var displayPath: String { path.isEmpty ? "the document" : "key '\(path)'" }

    /// A configuration error at this node.
    public func error(_ expectation: String) -> MediaError {
        MediaError(.configuration, "\(file): \(displayPath)\(line): \(expectation)")
    }

    /// The mapping's members, refusing any key outside `allowed` (with a suggestion).
    public func members(allowed: [String]) throws -> [String: ConfigNode] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of keys") }
        var result: [String: ConfigNode] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw error("expected string keys") }
            let child = ConfigNode(file: file, path: path.isEmpty ? key : "\(path).\(key)", node: value)
            guard allowed.contains(key) else {
                var message = "unknown key"
                if let suggestion = Self.closest(to: key, in: allowed) { message += " (did you mean '\(suggestion)'?)" }
                message += "; allowed here: \(allowed.sorted().joined(separator: ", "))"
                throw child.error(message)
            }
            result[key] = child
        }
        return result
    }

    /// The mapping's members without restricting keys (for mapping tables).
    public func table() throws -> [(key: String, value: ConfigNode)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping") }
        return try mapping.map { keyNode, value in
            guard let key = keyNode.string else { throw error("expected string keys") }
            return (key, ConfigNode(file: file, path: path.isEmpty ? key : "\(path).\(key)", node: value))
        }
    }

    public func string() throws -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else { throw error("expected a text value") }
        return scalar.string
    }

    public func int(in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let value = node.int else { throw error("expected a whole number") }
        guard range.contains(value) else {
            throw error("expected a number from \(range.lowerBound) to \(range.upperBound), found \(value)")
        }
        return value
    }

    public func double(in range: ClosedRange<Double>) throws -> Double {
        guard let value = node.float ?? node.int.map(Double.init) else { throw error("expected a number") }
        guard range.contains(value) else {
            throw error("expected a number from \(range.lowerBound) to \(range.upperBound), found \(value)")
        }
        return value
    }

    public func bool() throws -> Bool {
        guard let value = node.bool else { throw error("expected true or false") }
        return value
    }

    /// A list of strings; a single string is a list of one.
    public func strings() throws -> [String] {
        switch node {
        case .scalar: return [try string()]
        case .sequence(let sequence):
            return try sequence.enumerated().map { index, item in
                try ConfigNode(file: file, path: "\(path)[\(index)]", node: item).string()
            }
        default: throw error("expected a list of text values")
        }
    }

    /// A list of nodes.
    public func list() throws -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { ConfigNode(file: file, path: "\(path)[\($0)]", node: $1) }
    }

    /// The allowed key nearest `key` by edit distance, when it is close enough to be a typo.
    static func closest(to key: String, in allowed: [String]) -> String? {
        let scored = allowed.map { ($0, distance(Array(key), Array($0))) }.min { $0.1 < $1.1 }
        guard let (best, score) = scored, score <= max(2, key.count / 3) else { return nil }
        return best
    }

    private static func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension ConfigNode {
    /// The `index`th item of a list node, for errors about one item.
    public static func child(of list: ConfigNode, index: Int) -> ConfigNode {
        guard case .sequence(let sequence) = list.node, sequence.indices.contains(index) else { return list }
        return ConfigNode(file: list.file, path: "\(list.path)[\(index)]", node: sequence[index])
    }
}
