/// The persisted canonical identity: which canonical id each source record belongs to, and
/// which retired ids now point at a surviving one.
public struct IdentityMap: Sendable, Equatable {
    /// Source key (`source:id`) → canonical id.
    public var assignments: [String: String]
    /// Retired canonical id → surviving canonical id.
    public var aliases: [String: String]
    /// Canonical id → the build generation it was first given in (older ids survive merges).
    public var births: [String: Int]

    public init(assignments: [String: String] = [:], aliases: [String: String] = [:], births: [String: Int] = [:]) {
        self.assignments = assignments
        self.aliases = aliases
        self.births = births
    }
}
