import Foundation
import MediaModel
import Snapshots
import Synchronization

/// The snapshot an assistant answers from: a fixed file, or whatever `CURRENT` in a directory
/// names at the moment of each call (verified when it changes; a bad one is refused and the
/// previous one kept, as the daemon does).
public final class CurrentSnapshot: Sendable {
    enum Source {
        case file(String)
        case directory(SnapshotDirectory)
    }

    private let source: Source
    private let loaded = Mutex<ServedSnapshot?>(nil)

    public init(file: String) {
        source = .file(file)
    }

    public init(directory: String) {
        source = .directory(SnapshotDirectory(path: directory))
    }

    /// The snapshot to answer from now.
    public func current() throws -> ServedSnapshot {
        let path: String
        switch source {
        case .file(let file):
            path = file
        case .directory(let directory):
            guard let named = try? directory.currentSnapshotPath() else {
                if let kept = loaded.withLock({ $0 }) { return kept }
                throw MediaError(.notFound, "no snapshot is published in \(directory.path) (CURRENT names none)")
            }
            path = named
        }
        let name = (path as NSString).lastPathComponent
        if let kept = loaded.withLock({ $0 }), kept.name == name { return kept }
        do {
            let served = ServedSnapshot(name: name, snapshot: try Snapshot.verified(path: path))
            loaded.withLock { $0 = served }
            return served
        } catch {
            // A damaged new snapshot does not take away the good one.
            if let kept = loaded.withLock({ $0 }) { return kept }
            throw error
        }
    }
}
