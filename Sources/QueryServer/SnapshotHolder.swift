import Foundation
import Search
import Snapshots
import Synchronization

/// The snapshot being served, swapped atomically. A request takes a reference once and uses it
/// to the end, so a swap never changes data under an in-flight request; the old mapping is
/// released when its last request finishes.
public final class SnapshotHolder: Sendable {
    /// A verified, opened snapshot ready for queries.
    public struct Loaded: Sendable {
        public let snapshot: Snapshot
        public let engine: SearchEngine
        /// File name, as `CURRENT` names it.
        public let name: String
        public let loadedAt: Date
    }

    private let state = Mutex<Loaded?>(nil)

    public init() {}

    public var current: Loaded? { state.withLock { $0 } }

    /// The snapshot served, or the 503 problem every route answers before one is loaded.
    func loaded() throws -> Loaded {
        guard let loaded = current else {
            throw Problem(.serviceUnavailable, "no snapshot is loaded yet; publish one with 'mediagw build'")
        }
        return loaded
    }

    /// Makes `snapshot` the one served.
    public func install(_ snapshot: Snapshot, name: String) {
        let loaded = Loaded(snapshot: snapshot, engine: SearchEngine(snapshot: snapshot), name: name, loadedAt: Date())
        state.withLock { $0 = loaded }
    }
}
