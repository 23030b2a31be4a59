import Foundation
import MediaModel

#if canImport(Glibc)
    import Glibc
#endif

/// A directory of published snapshots with a `CURRENT` pointer file.
///
/// Publishing writes to a temporary name, fsyncs, renames into place, fsyncs the directory, and
/// only then swaps `CURRENT` the same way; a crash or a full disk at any point leaves the previous
/// snapshot current. Retention keeps the newest N files and never deletes the current one.
public struct SnapshotDirectory: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Path of the pointer file.
    public var currentPointerPath: String { (path as NSString).appendingPathComponent("CURRENT") }

    /// Full path of the current snapshot, or nil when nothing is published yet.
    public func currentSnapshotPath() throws -> String? {
        guard let data = FileManager.default.contents(atPath: currentPointerPath) else { return nil }
        let name = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, !name.contains("/") else {
            throw MediaError(.corruptSnapshot, "\(currentPointerPath) does not name a snapshot file")
        }
        return (path as NSString).appendingPathComponent(name)
    }

    /// The current snapshot's path and metadata; nil when nothing readable is current (a build
    /// then has nothing to compare with, and publishing repairs `CURRENT`).
    public func currentMetadata() -> (path: String, metadata: SnapshotMetadata)? {
        guard let path = try? currentSnapshotPath(), let snapshot = try? Snapshot(path: path) else { return nil }
        return (path, snapshot.metadata)
    }

    /// Published snapshot file names, oldest first (names sort by build time).
    public func snapshotNames() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasPrefix("snapshot-") && $0.hasSuffix(".\(SnapshotFormat.fileExtension)") }.sorted()
    }

    /// What ``publish(_:builtAt:buildID:keep:makeCurrent:)`` did.
    public struct Publication: Sendable, Equatable {
        /// The new snapshot file.
        public var path: String
        /// Whether `CURRENT` now names it. False when not asked to, or when a build that
        /// started later published first: `CURRENT` never moves back to an older build.
        public var isCurrent: Bool
        /// The file `CURRENT` names afterwards.
        public var current: String?
    }

    /// Writes `bytes` as a new snapshot, checks it reads back and verifies, makes it current
    /// (unless `makeCurrent` is false, or a newer build is current), and prunes to `keep`
    /// snapshots.
    ///
    /// Publishers in other processes wait for each other on the directory's lock file, so
    /// concurrent builds never interleave their renames of `CURRENT` or prune under each other.
    @discardableResult
    public func publish(
        _ bytes: Data,
        builtAt: Date = Date(),
        buildID: String,
        keep: Int = 5,
        makeCurrent: Bool = true,
        changes: ChangeSet? = nil
    ) throws -> Publication {
        try createIfNeeded()
        return try withPublishLock {
            removeAbandonedTemporaries()
            let stamp = Self.stampFormatter.string(from: builtAt)
            let name = "snapshot-\(stamp)-\(buildID.prefix(8)).\(SnapshotFormat.fileExtension)"
            let finalPath = (path as NSString).appendingPathComponent(name)
            let temporary = (path as NSString).appendingPathComponent(".tmp-\(name)")
            do {
                try Self.writeDurably(bytes, to: temporary)
                // Never publish what cannot be read back.
                _ = try Snapshot.verified(path: temporary)
                try Self.rename(temporary, finalPath)
                try Self.syncDirectory(path)
            } catch {
                unlink(temporary)
                throw error
            }
            // The change file goes in before CURRENT moves, so a reader of the new snapshot finds it.
            if let changes {
                try createChangesDirectory()
                let file = changesPath(for: name)
                let temporary = file + ".tmp-\(getpid())"
                do {
                    try Self.writeDurably(try changes.jsonLines(), to: temporary)
                    try Self.rename(temporary, file)
                    try Self.syncDirectory(changesDirectory)
                } catch {
                    unlink(temporary)
                    throw error
                }
            }
            // An unreadable CURRENT names nothing; publishing repairs it.
            var current = (try? currentSnapshotPath())?.map { ($0 as NSString).lastPathComponent }
            // Names sort by build time; a build that started earlier but finished later is kept
            // beside the newer one instead of replacing it.
            let isCurrent = makeCurrent && (current.map { name > $0 } ?? true)
            if isCurrent {
                try point(at: name)
                current = name
            }
            try prune(keep: keep)
            return Publication(path: finalPath, isCurrent: isCurrent, current: current)
        }
    }

    /// Moves `file` — a complete snapshot written elsewhere in this directory, such as a download
    /// from an object store — into place as `name`, after verifying it, makes it current and
    /// prunes to `keep`. Returns its path. A file that fails verification is left where it was.
    @discardableResult
    public func install(file: String, as name: String, keep: Int) throws -> String {
        try createIfNeeded()
        return try withPublishLock {
            _ = try Snapshot.verified(path: file)
            let finalPath = (path as NSString).appendingPathComponent(name)
            try Self.rename(file, finalPath)
            try Self.syncDirectory(path)
            try point(at: name)
            try prune(keep: keep)
            return finalPath
        }
    }

    /// Makes `name` current (atomically replacing `CURRENT`).
    public func point(at name: String) throws {
        // A temporary of this process's own, so that two processes never rename each other's.
        let temporary = currentPointerPath + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try Self.writeDurably(Data((name + "\n").utf8), to: temporary)
            try Self.rename(temporary, currentPointerPath)
            try Self.syncDirectory(path)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Runs `body` holding an exclusive `flock` on the directory's `.publish.lock`, waiting for
    /// any other publisher. The kernel releases it when the holder exits, however it exits.
    func withPublishLock<T>(_ body: () throws -> T) throws -> T {
        let lockPath = (path as NSString).appendingPathComponent(".publish.lock")
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw MediaError(.io, "cannot open the publish lock \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw MediaError(.io, "cannot lock \(lockPath): \(String(cString: strerror(errno)))")
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// Deletes all but the newest `keep` snapshots, never the current one; returns deleted names.
    @discardableResult
    public func prune(keep: Int) throws -> [String] {
        let current = (try currentSnapshotPath()).map { ($0 as NSString).lastPathComponent }
        let names = snapshotNames()
        let doomed = names.dropLast(max(keep, 1)).filter { $0 != current }
        for name in doomed {
            unlink((path as NSString).appendingPathComponent(name))
            unlink(changesPath(for: name))
        }
        return Array(doomed)
    }

    /// Where each publish's change file goes: `changes/` beside the snapshots.
    public var changesDirectory: String { (path as NSString).appendingPathComponent("changes") }

    /// The change file of snapshot `name` (what its publish changed; it may not exist).
    public func changesPath(for name: String) -> String {
        let stem = (name as NSString).deletingPathExtension
        return (changesDirectory as NSString).appendingPathComponent("\(stem).changes.jsonl")
    }

    /// The change files present, as snapshot names, oldest first.
    public func changeFileSnapshots() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: changesDirectory)) ?? []
        return names.filter { $0.hasSuffix(".changes.jsonl") }.sorted().map {
            String($0.dropLast(".changes.jsonl".count)) + ".\(SnapshotFormat.fileExtension)"
        }
    }

    private func createChangesDirectory() throws {
        do {
            try FileManager.default.createDirectory(atPath: changesDirectory, withIntermediateDirectories: true)
        } catch {
            throw MediaError(.io, "cannot create \(changesDirectory): \(Self.reason(error))")
        }
    }

    /// Deletes temporary files a killed build left behind (older than ten minutes, so that a
    /// build running beside this one keeps its own).
    private func removeAbandonedTemporaries() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let cutoff = Date().addingTimeInterval(-600)
        for name in names where name.hasPrefix(".tmp-") || name.hasPrefix("CURRENT.tmp") {
            let file = (path as NSString).appendingPathComponent(name)
            let modified = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date
            if let modified, modified < cutoff { unlink(file) }
        }
    }

    /// Creates the directory when missing; an unwritable one is an error naming it.
    public func createIfNeeded() throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw MediaError(.io, "cannot create the snapshots directory \(path): \(Self.reason(error))")
        }
        guard access(path, W_OK) == 0 else {
            throw MediaError(.io, "the snapshots directory \(path) is not writable")
        }
    }

    private static let stampFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        // Milliseconds, so two builds in one second still sort in build order.
        formatter.dateFormat = "yyyyMMdd'T'HHmmssSSS'Z'"
        return formatter
    }()

    /// Writes the whole of `bytes` to a new file and fsyncs it; a short write (full disk) throws.
    static func writeDurably(_ bytes: Data, to file: String) throws {
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw MediaError(.io, "cannot create \(file): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        try bytes.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let result = write(descriptor, raw.baseAddress! + written, raw.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw MediaError(.io, "cannot write \(file): \(String(cString: strerror(errno)))")
                }
                written += result
            }
        }
        guard fsync(descriptor) == 0 else {
            throw MediaError(.io, "cannot fsync \(file): \(String(cString: strerror(errno)))")
        }
    }

    static func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else {
            throw MediaError(.io, "cannot rename \(from) to \(to): \(String(cString: strerror(errno)))")
        }
    }

    static func syncDirectory(_ directory: String) throws {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        fsync(descriptor)
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? error.localizedDescription
    }
}
