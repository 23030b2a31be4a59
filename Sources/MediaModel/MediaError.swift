/// An error that crosses a module boundary: a code the CLI maps to an exit status and the server
/// to an HTTP problem, and a message that names the file, line, field or parameter at fault.
public struct MediaError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; each has a documented CLI exit status (the CLI's `ExitStatus`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String

        public static let usage = Code(name: "usage")
        public static let badInput = Code(name: "bad-input")
        public static let notFound = Code(name: "not-found")
        public static let corruptSnapshot = Code(name: "corrupt-snapshot")
        public static let unsupportedFormat = Code(name: "unsupported-format")
        public static let io = Code(name: "io")
        public static let configuration = Code(name: "configuration")
        /// A step that would make things worse than they are and was not forced (a publish that
        /// drops a capability the current snapshot has).
        public static let refused = Code(name: "refused")
        public static let internalFailure = Code(name: "internal")

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
