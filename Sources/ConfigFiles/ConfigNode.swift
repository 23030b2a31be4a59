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
    /// The key this node is the value of, when it is one: errors about the value as a whole are
    /// reported at the key's line (a mapping value starts on the line after its key).
    var key: Node? = nil

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
        (key?.mark ?? node.mark).map { " (line \($0.line))" } ?? ""
    }

    private var displayPath: String { path.isEmpty ? "the document" : "key '\(path)'" }

    /// A configuration error at this node.
    public func error(_ expectation: String) -> MediaError {
        MediaError(.configuration, "\(file): \(displayPath)\(line): \(expectation)")
    }

    /// The mapping's members, refusing any key outside `allowed` (with a suggestion).
    public func members(allowed: [String]) throws -> [String: ConfigNode] {
        var problems = ConfigProblems()
        let result = try members(allowed: allowed, problems: &problems)
        try problems.throwIfAny()
        return result
    }

    /// The mapping's members; each key outside `allowed` is recorded in `problems` (with a
    /// suggestion) and left out, so that the rest of the file is still checked.
    public func members(allowed: [String], problems: inout ConfigProblems) throws -> [String: ConfigNode] {
        var result: [String: ConfigNode] = [:]
        for (key, child) in try table() {
            guard allowed.contains(key) else {
                var message = "unknown key"
                if let suggestion = Spelling.nearest(to: key, in: allowed) {
                    message += " (did you mean '\(suggestion)'?)"
                }
                message += "; allowed here: \(allowed.sorted().joined(separator: ", "))"
                problems.record(child.error(message))
                continue
            }
            result[key] = child
        }
        return result
    }

    /// The mapping's members without restricting keys (for mapping tables).
    public func table() throws -> [(key: String, value: ConfigNode)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of keys") }
        return try mapping.map { keyNode, value in
            guard let key = keyNode.string else { throw error("expected string keys") }
            return (key, ConfigNode(file: file, path: path.isEmpty ? key : "\(path).\(key)", node: value, key: keyNode))
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
}

extension ConfigNode {
    /// The `index`th item of a list node, for errors about one item.
    public static func child(of list: ConfigNode, index: Int) -> ConfigNode {
        guard case .sequence(let sequence) = list.node, sequence.indices.contains(index) else { return list }
        return ConfigNode(file: list.file, path: "\(list.path)[\(index)]", node: sequence[index])
    }
}

/// Configuration errors gathered in one pass over a file, so that every problem in it is
/// reported at once, each with its own line.
public struct ConfigProblems: Sendable {
    public private(set) var errors: [MediaError] = []

    public init() {}

    public var isEmpty: Bool { errors.isEmpty }

    public mutating func record(_ error: MediaError) {
        errors.append(error)
    }

    /// The value of `body`, or nil after recording the configuration error it threw.
    public mutating func check<T>(_ body: () throws -> T?) -> T? {
        check { (_: inout ConfigProblems) in try body() }
    }

    /// The value of `body`, which records the problems of the parts it checks in the problems
    /// it is given, or nil after recording the configuration error it threw. Any other error is
    /// recorded as it is.
    public mutating func check<T>(_ body: (inout ConfigProblems) throws -> T?) -> T? {
        do {
            return try body(&self)
        } catch let error as MediaError {
            errors.append(error.code == .configuration ? error : MediaError(.configuration, error.message))
            return nil
        } catch {
            errors.append(MediaError(.configuration, "\(error)"))
            return nil
        }
    }

    /// Throws one configuration error listing every problem, one per line, in the order found.
    public func throwIfAny() throws {
        guard !errors.isEmpty else { return }
        throw MediaError(.configuration, errors.map(\.message).joined(separator: "\n"))
    }
}
