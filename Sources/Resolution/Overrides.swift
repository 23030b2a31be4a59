import Foundation
import MediaModel

/// Decisions people made about pairs, honoured by every run (`resolution/overrides.yml`).
public struct Overrides: Sendable, Equatable {
    /// Source keys that are one title whatever the scores say.
    public var merge: [[String]] = []
    /// Pairs of source keys that are never one title.
    public var split: [(String, String)] = []

    public init(merge: [[String]] = [], split: [(String, String)] = []) {
        self.merge = merge
        self.split = split
    }

    public static func == (lhs: Overrides, rhs: Overrides) -> Bool {
        lhs.merge == rhs.merge && lhs.split.map { [$0.0, $0.1] } == rhs.split.map { [$0.0, $0.1] }
    }
}
