/// An error that crosses a module boundary: a code the CLI and server map to exit statuses and
/// HTTP problems, and a message that names the file, line, field or parameter at fault.
public struct MediaError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; each has a documented CLI exit status.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// The process exit status the CLI uses for this code (README, "Exit codes").
        public let exitStatus: Int32

        public static let usage = Code(name: "usage", exitStatus: 64)
        public static let badInput = Code(name: "bad-input", exitStatus: 65)
        public static let notFound = Code(name: "not-found", exitStatus: 66)
        public static let corruptSnapshot = Code(name: "corrupt-snapshot", exitStatus: 67)
        public static let unsupportedFormat = Code(name: "unsupported-format", exitStatus: 68)
        public static let io = Code(name: "io", exitStatus: 74)
        public static let configuration = Code(name: "configuration", exitStatus: 78)
        /// A step that would make things worse than they are and was not forced (a publish that
        /// drops a capability the current snapshot has).
        public static let refused = Code(name: "refused", exitStatus: 77)
        public static let internalFailure = Code(name: "internal", exitStatus: 70)

        public var description: String { name }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
