import Compression
import Crypto
import Foundation
import MediaModel
import Snapshots

#if canImport(Glibc)
    import Glibc
#endif

/// Snapshots published to an object store: each under its own immutable key
/// (`PREFIX/snapshot-….mgws`, its SHA-256 in the metadata `sha256`), and a `PREFIX/CURRENT`
/// object naming the one to serve, replaced last — the pointer is the commit point, so a reader
/// never sees it name a partial or unverified object.
///
/// A *pointer* is any object under the prefix whose name is upper-case letters, digits, `-` or
/// `_` (`CURRENT`, or one an operator keeps, such as `PREVIOUS`); retention never deletes a
/// snapshot a pointer names.
public struct SnapshotBucket: Sendable {
    public let client: S3Client
    public let location: S3Location

    /// The pointer daemons follow.
    public static let currentPointer = "CURRENT"
    /// The object-metadata key of a snapshot's SHA-256.
    public static let checksumKey = "sha256"

    public init(client: S3Client, location: S3Location) {
        self.client = client
        self.location = location
    }

    var bucket: String { location.bucket }

    /// What `CURRENT` names, with its entity tag (for a conditional next look).
    public struct Pointer: Sendable, Equatable {
        public var name: String
        public var etag: String
    }

    public enum PointerState: Sendable, Equatable {
        /// `CURRENT` still has the entity tag given.
        case unchanged
        /// Nothing is published yet.
        case missing
        case names(Pointer)
    }

    /// Reads `CURRENT`; with `ifNoneMatch` an unchanged pointer costs one small answer (304).
    public func current(ifNoneMatch etag: String? = nil) async throws -> PointerState {
        try await pointer(Self.currentPointer, ifNoneMatch: etag)
    }

    func pointer(_ pointerName: String, ifNoneMatch etag: String? = nil) async throws -> PointerState {
        switch try await client.get(bucket: bucket, key: location.key(pointerName), ifNoneMatch: etag) {
        case .notModified: return .unchanged
        case .missing: return .missing
        case .object(let body, let info):
            let name = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard Self.isSnapshotName(name) else {
                throw MediaError(.corruptSnapshot, "\(location)/\(pointerName) does not name a snapshot object")
            }
            return .names(Pointer(name: name, etag: info.etag))
        }
    }

    /// What ``publish(snapshotAt:keep:options:)`` did.
    public struct Publication: Sendable, Equatable, Encodable {
        public var location: String
        public var name: String
        /// False when the store already held this snapshot whole (a publish resumed or repeated).
        public var uploaded: Bool
        /// Whether `CURRENT` names it now; false when a newer build is already current there.
        public var isCurrent: Bool
        public var current: String?
        public var pruned: [String]
        /// Multipart uploads an interrupted earlier publish left behind, now aborted.
        public var abortedUploads: Int
        public var bytes: Int
        public var seconds: Double
    }

    /// Uploads the verified snapshot file at `path` under its own key (skipped when the store
    /// already holds it with the same SHA-256), checks what the store holds, then replaces
    /// `CURRENT` — unless a newer build is current there — and prunes to `keep` snapshots.
    /// Multipart uploads left by an interrupted publish are aborted first.
    public func publish(
        snapshotAt path: String,
        keep: Int = 5,
        options: TransferOptions = TransferOptions()
    ) async throws -> Publication {
        let started = Date()
        let name = (path as NSString).lastPathComponent
        guard Self.isSnapshotName(name) else {
            throw MediaError(
                .usage,
                "\(path) is not a published snapshot file (snapshot-….\(SnapshotFormat.fileExtension))"
            )
        }
        _ = try Snapshot.verified(path: path)
        let checksum = try Self.checksum(ofFileAt: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let key = location.key(name)
        let aborted = try await abortAbandonedUploads()

        // Snapshot objects are immutable: one already there must be this very snapshot (a publish
        // repeated or resumed). Small files are also PUT with If-None-Match, so a publisher racing
        // this one cannot be overwritten between the HEAD and the PUT.
        var uploaded = false
        if try await client.head(bucket: bucket, key: key) == nil {
            uploaded = try await client.upload(
                file: path,
                bucket: bucket,
                key: key,
                metadata: [Self.checksumKey: checksum],
                ifNoneMatch: true,
                options: options
            )
        }
        guard let stored = try await client.head(bucket: bucket, key: key) else {
            throw MediaError(.io, "\(location)/\(name) is not in the store after its upload; CURRENT is not moved")
        }
        guard stored.metadata[Self.checksumKey] == checksum, stored.size == size else {
            throw MediaError(
                .refused,
                "\(location)/\(name) exists with other content (SHA-256 \(stored.metadata[Self.checksumKey] ?? "unknown"), "
                    + "\(stored.size) bytes); snapshot objects are immutable, so it is left alone and CURRENT is not moved"
            )
        }

        // Its change file (what this publish changed), before CURRENT names the snapshot.
        let localChanges = Self.localChangesPath(forSnapshotAt: path)
        if let changes = FileManager.default.contents(atPath: localChanges) {
            try await client.put(
                bucket: bucket,
                key: changesKey(for: name),
                body: changes,
                contentType: "application/x-ndjson"
            )
        }

        var currentName: String?
        if case .names(let pointer) = try await current() { currentName = pointer.name }
        // Names sort by build time: CURRENT never moves back to an older build.
        let isCurrent = currentName.map { name >= $0 } ?? true
        if isCurrent, currentName != name {
            try await client.put(
                bucket: bucket,
                key: location.key(Self.currentPointer),
                body: Data((name + "\n").utf8),
                contentType: "text/plain"
            )
        }
        if isCurrent { currentName = name }
        let pruned = try await prune(keep: keep)
        return Publication(
            location: location.description,
            name: name,
            uploaded: uploaded,
            isCurrent: isCurrent,
            current: currentName,
            pruned: pruned,
            abortedUploads: aborted,
            bytes: size,
            seconds: Date().timeIntervalSince(started)
        )
    }

    /// Snapshot objects under the prefix, oldest first.
    public func snapshotObjects() async throws -> [ObjectInfo] {
        try await client.list(bucket: bucket, prefix: location.listingPrefix)
            .filter { Self.isSnapshotName(name(of: $0)) }
            .sorted { $0.key < $1.key }
    }

    /// Deletes all but the newest `keep` snapshot objects, never one a pointer names.
    @discardableResult
    public func prune(keep: Int) async throws -> [String] {
        let objects = try await client.list(bucket: bucket, prefix: location.listingPrefix)
        var named: Set<String> = []
        for object in objects where Self.isPointerName(name(of: object)) {
            if case .names(let pointer) = try await pointer(name(of: object)) { named.insert(pointer.name) }
        }
        let snapshots = objects.map { name(of: $0) }.filter(Self.isSnapshotName).sorted()
        let doomed = snapshots.dropLast(max(keep, 1)).filter { !named.contains($0) }
        for name in doomed {
            try await client.delete(bucket: bucket, key: location.key(name))
            try await client.delete(bucket: bucket, key: changesKey(for: name))
        }
        return Array(doomed)
    }

    /// Aborts multipart uploads of snapshot objects under the prefix started more than `age`
    /// ago (a killed publish leaves its parts behind; a publish running beside this one keeps
    /// its own). Returns how many.
    public func abortAbandonedUploads(olderThan age: TimeInterval = 600) async throws -> Int {
        let cutoff = Date().addingTimeInterval(-age)
        var aborted = 0
        for upload in try await client.listMultipartUploads(bucket: bucket, prefix: location.listingPrefix)
        where (upload.initiated ?? .distantPast) < cutoff {
            try await client.abortMultipartUpload(bucket: bucket, key: upload.key, uploadID: upload.uploadID)
            aborted += 1
        }
        return aborted
    }

    /// Downloads snapshot `name` into `directory` (ranged parallel GETs, resumable), checks its
    /// SHA-256 against the object's metadata and verifies it, and installs it there as current.
    /// A download that fails verification is deleted and refused by name.
    @discardableResult
    public func fetch(
        _ name: String,
        into directory: SnapshotDirectory,
        keep: Int = 3,
        options: TransferOptions = TransferOptions()
    ) async throws -> String {
        guard let object = try await client.head(bucket: bucket, key: location.key(name)) else {
            throw MediaError(.notFound, "\(location)/\(name) does not exist (CURRENT names it)")
        }
        try directory.createIfNeeded()
        let temporary = (directory.path as NSString).appendingPathComponent(".tmp-download-\(name)")
        Self.removeOtherDownloads(in: directory.path, keeping: temporary)
        try await client.download(object, bucket: bucket, to: temporary, options: options)
        do {
            let checksum = try Self.checksum(ofFileAt: temporary)
            if let expected = object.metadata[Self.checksumKey], expected != checksum {
                throw MediaError(
                    .corruptSnapshot,
                    "its SHA-256 is \(checksum), but the object's metadata says \(expected)"
                )
            }
            return try directory.install(file: temporary, as: name, keep: keep)
        } catch let error as MediaError where [.corruptSnapshot, .unsupportedFormat].contains(error.code) {
            unlink(temporary)
            throw MediaError(error.code, "refused \(location)/\(name): \(error.message)")
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Downloads the snapshot that `CURRENT` names (or `name`) to a temporary directory for a
    /// one-off command; returns the file's path.
    public func fetchForInspection(_ name: String? = nil, into directory: String) async throws -> String {
        let chosen: String
        if let name {
            chosen = name
        } else {
            guard case .names(let pointer) = try await current() else {
                throw MediaError(.notFound, "nothing is published at \(location) (no CURRENT)")
            }
            chosen = pointer.name
        }
        guard let object = try await client.head(bucket: bucket, key: location.key(chosen)) else {
            throw MediaError(.notFound, "\(location)/\(chosen) does not exist")
        }
        let path = (directory as NSString).appendingPathComponent(chosen)
        try await client.download(object, bucket: bucket, to: path)
        return path
    }

    /// Deletes partial downloads of other snapshots (and their part ledgers) from the cache: once
    /// `CURRENT` names something else they will not be resumed.
    static func removeOtherDownloads(in directory: String, keeping current: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix(".tmp-download-") {
            let path = (directory as NSString).appendingPathComponent(name)
            if path != current, path != current + ".parts" { unlink(path) }
        }
    }

    /// The key of snapshot `name`'s change file: `PREFIX/changes/STEM.changes.jsonl`.
    func changesKey(for name: String) -> String {
        location.key("changes/\((name as NSString).deletingPathExtension).changes.jsonl")
    }

    /// Where a local publish keeps the change file of the snapshot at `path`.
    static func localChangesPath(forSnapshotAt path: String) -> String {
        let directory = SnapshotDirectory(path: (path as NSString).deletingLastPathComponent)
        return directory.changesPath(for: (path as NSString).lastPathComponent)
    }

    /// Makes `directory/changes/` hold exactly the change files the store holds: downloads the
    /// missing ones and deletes those the store's retention removed. Returns how many it fetched.
    @discardableResult
    public func syncChangeFiles(into directory: SnapshotDirectory) async throws -> Int {
        let prefix = location.key("changes/")
        let remote = try await client.list(bucket: bucket, prefix: prefix).filter { $0.key.hasSuffix(".changes.jsonl") }
        try FileManager.default.createDirectory(atPath: directory.changesDirectory, withIntermediateDirectories: true)
        let wanted = Set(remote.map { String($0.key.dropFirst(prefix.count)) })
        var fetched = 0
        for object in remote {
            let file = (directory.changesDirectory as NSString).appendingPathComponent(
                String(object.key.dropFirst(prefix.count))
            )
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? -1
            guard size != object.size else { continue }
            guard case .object(let body, _) = try await client.get(bucket: bucket, key: object.key) else { continue }
            let temporary = file + ".tmp-\(getpid())"
            do {
                try body.write(to: URL(fileURLWithPath: temporary))
                guard rename(temporary, file) == 0 else {
                    throw MediaError(.io, "cannot rename \(temporary) to \(file)")
                }
            } catch {
                unlink(temporary)
                throw MediaError(.io, "cannot write \(file): \(error)")
            }
            fetched += 1
        }
        let local = (try? FileManager.default.contentsOfDirectory(atPath: directory.changesDirectory)) ?? []
        for name in local where name.hasSuffix(".changes.jsonl") && !wanted.contains(name) {
            unlink((directory.changesDirectory as NSString).appendingPathComponent(name))
        }
        return fetched
    }

    private func name(of object: ObjectInfo) -> String {
        String(object.key.dropFirst(location.listingPrefix.count))
    }

    static func isSnapshotName(_ name: String) -> Bool {
        name.hasPrefix("snapshot-") && name.hasSuffix(".\(SnapshotFormat.fileExtension)") && !name.contains("/")
    }

    static func isPointerName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { ($0.isASCII && ($0.isUppercase || $0.isNumber)) || $0 == "-" || $0 == "_" }
    }

    /// Hex SHA-256 of a file, read mapped.
    public static func checksum(ofFileAt path: String) throws -> String {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
            return Hex.encode(SHA256.hash(data: data))
        } catch {
            throw MediaError(.io, "cannot read \(path): \(error.localizedDescription)")
        }
    }
}
