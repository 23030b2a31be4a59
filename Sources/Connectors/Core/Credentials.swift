import Foundation
import MediaModel

/// An API key and the name of where it came from. Only the name is ever shown or stored.
public struct APIKey: Sendable, Hashable {
    /// `env:SA_API_KEY` or `file:/etc/mediagw/sa.key`: safe to log and to store in the quota ledger.
    public let label: String
    public let value: String

    public init(label: String, value: String) {
        self.label = label
        self.value = value
    }
}

/// Where a key is read from, as named in `connectors/<provider>.yml`.
public enum KeySource: Sendable, Hashable, CustomStringConvertible {
    case environment(String)
    case file(String)

    public var description: String {
        switch self {
        case .environment(let name): return "env:\(name)"
        case .file(let path): return "file:\(path)"
        }
    }

    /// Reads the key; a missing variable or file is an error naming it, never showing a value.
    public func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> APIKey {
        switch self {
        case .environment(let name):
            guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw MediaError(.configuration, "the environment variable \(name) (an API key) is not set")
            }
            return APIKey(label: description, value: value)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw MediaError(.configuration, "cannot read the key file \(path)")
            }
            let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw MediaError(.configuration, "the key file \(path) is empty") }
            return APIKey(label: description, value: value)
        }
    }
}
