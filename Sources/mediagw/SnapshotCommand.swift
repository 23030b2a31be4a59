import ArgumentParser
import Foundation
import MediaModel
import ObjectStore
import Search
import Snapshots

struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Inspect snapshot files offline.",
        subcommands: [
            SnapshotInfoCommand.self, SnapshotVerifyCommand.self, SnapshotQueryCommand.self, SnapshotExportCommand.self,
            SnapshotDiffCommand.self, SnapshotChangesCommand.self,
        ]
    )
}

/// The snapshot file argument; defaults to the one `CURRENT` names. An `s3://` location is
/// downloaded first: `s3://bucket/prefix` means the snapshot its `CURRENT` names.
struct SnapshotFileOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Snapshot file or s3://BUCKET/PREFIX[/NAME] (default: the current one in --snapshots).",
            valueName: "file"
        )
    )
    var file: String?

    @Option(help: ArgumentHelp("Directory whose CURRENT snapshot is used when no file is given.", valueName: "dir"))
    var snapshots: String = Environment.value("MEDIAGW_SNAPSHOTS") ?? "snapshots"

    @OptionGroup var store: ObjectStoreOptions

    init() {}

    init(file: String?, snapshots: String, store: ObjectStoreOptions) {
        self.file = file
        self.snapshots = snapshots
        self.store = store
    }

    /// The local path of the snapshot, and whether it is a downloaded copy to delete once open.
    func resolvedPath() async throws -> (path: String, downloaded: Bool) {
        if let file, S3Location.isLocation(file) { return (try await store.download(file), true) }
        if let file { return (file, false) }
        guard let current = try SnapshotDirectory(path: snapshots).currentSnapshotPath() else {
            throw MediaError(.notFound, "no snapshot given and none is published in \(snapshots)")
        }
        return (current, false)
    }

    /// Opens the file, checking what opening checks (header, footer, table, small sections).
    func open() async throws -> Snapshot {
        try await opening { try Snapshot(path: $0) }
    }

    /// Opens and verifies the file, for commands that read its titles.
    func openVerified() async throws -> Snapshot {
        try await opening { try Snapshot.verified(path: $0) }
    }

    /// How to name the snapshot to the user: its path, or for a download the location and name.
    func displayName(_ snapshot: Snapshot) -> String {
        guard let file, S3Location.isLocation(file) else { return snapshot.path }
        let name = (snapshot.path as NSString).lastPathComponent
        return file.hasSuffix(name) ? file : "\(file.hasSuffix("/") ? String(file.dropLast()) : file)/\(name)"
    }

    /// A downloaded copy is unlinked once mapped: the mapping stays valid, nothing is left behind.
    private func opening(_ body: (String) throws -> Snapshot) async throws -> Snapshot {
        let (path, downloaded) = try await resolvedPath()
        defer {
            if downloaded { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        }
        return try body(path)
    }
}

struct SnapshotInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show header, sections, sizes, counts and sources."
    )

    @OptionGroup var options: SnapshotFileOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() async throws {
        try await exitOnError {
            let snapshot = try await options.open()
            let meta = snapshot.metadata
            if json {
                struct Info: Encodable {
                    var path: String
                    var sizeBytes: Int
                    var sha256: String
                    var metadata: SnapshotMetadata
                    var sections: [Snapshot.SectionInfo]
                    var facets: [String: Int]
                }
                let facets = Dictionary(
                    uniqueKeysWithValues: FacetField.allCases.map { ($0.rawValue, snapshot.facetValues($0).count) }
                )
                let info = Info(
                    path: options.displayName(snapshot),
                    sizeBytes: snapshot.fileSize,
                    sha256: snapshot.recordedDigest,
                    metadata: meta,
                    sections: snapshot.sections,
                    facets: facets
                )
                print(String(decoding: try JSONEncoder.pretty.encode(info), as: UTF8.self))
                return
            }
            print("file:           \(options.displayName(snapshot))")
            print("size:           \(snapshot.fileSize) bytes")
            print("format version: \(meta.formatVersion)")
            print("build id:       \(meta.buildID)")
            print("built at:       \(meta.builtAt)")
            print("writer:         \(meta.writer)")
            print("sha256:         \(snapshot.recordedDigest)")
            print("titles:         \(meta.titleCount)")
            print("offers:         \(meta.offerCount)")
            print("terms:          \(meta.termCount)")
            print("aliases:        \(meta.aliases.count)")
            if let embedding = meta.embedding {
                let graph =
                    embedding.graph.map {
                        "\($0.kind) graph (M \($0.neighborsPerNode), ef_construction \($0.efConstruction), "
                            + "\($0.topLevel + 1) levels"
                            + ($0.reusedNodes.map { ", \($0) nodes kept from the previous build" } ?? "") + ")"
                    } ?? "exact search (no graph)"
                print(
                    "vectors:        \(embedding.count) × \(embedding.dimension) \(embedding.quantization), "
                        + "model \(embedding.model), \(graph)"
                )
            } else {
                // Snapshots written before the reason was recorded were all --no-embeddings builds.
                print("vectors:        none (\(meta.withoutVectors ?? "built with --no-embeddings"))")
            }
            print("sources:")
            for (source, count) in meta.sourceCounts.sorted(by: { $0.key < $1.key }) {
                print("  \(source.padding(toLength: 24, withPad: " ", startingAt: 0)) \(count) records")
            }
            print("sections:")
            for section in snapshot.sections {
                let checksum = String(section.checksum, radix: 16)
                print(
                    "  \(section.name.padding(toLength: 18, withPad: " ", startingAt: 0)) "
                        + "\(String(section.length).leftPadded(12)) bytes at \(section.offset), crc32 \(checksum)"
                )
            }
            print("facets:")
            for field in FacetField.allCases {
                print(
                    "  \(field.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) \(snapshot.facetValues(field).count) values"
                )
            }
        }
    }
}

struct SnapshotVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every section checksum and the whole-file SHA-256; exit 67 naming the bad section."
    )

    @OptionGroup var options: SnapshotFileOptions

    func run() async throws {
        try await exitOnError {
            let snapshot = try await options.openVerified()
            print(
                "ok: \(options.displayName(snapshot)) (\(snapshot.sections.count) sections, sha256 \(snapshot.recordedDigest))"
            )
        }
    }
}

struct SnapshotExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every canonical title as one JSON line, with its member source keys."
    )

    @OptionGroup var options: SnapshotFileOptions

    func run() async throws {
        try await exitOnError {
            let snapshot = try await options.openVerified()
            let encoder = JSONEncoder.compact
            var buffer = Data()
            try snapshot.forEachTitle { _, title in
                buffer.append(try encoder.encode(title))
                buffer.append(0x0a)
                if buffer.count > 1 << 20 {
                    FileHandle.standardOutput.write(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            FileHandle.standardOutput.write(buffer)
        }
    }
}

struct SnapshotDiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract:
            "Titles added, removed, merged and changed; offers added, removed, re-priced, re-dated and re-graded between two snapshots."
    )

    @Argument(help: ArgumentHelp("The older snapshot.", valueName: "old")) var old: String
    @Argument(help: ArgumentHelp("The newer snapshot.", valueName: "new")) var new: String
    @Flag(help: "Print each change as a JSON line.") var json = false

    func run() async throws {
        try await exitOnError {
            let diff = try ChangeSet(
                old: try Snapshot.verified(path: old),
                oldName: (old as NSString).lastPathComponent,
                new: try Snapshot.verified(path: new)
            )
            if json {
                for change in diff.changes {
                    print(String(decoding: try JSONEncoder.compact.encode(change), as: UTF8.self))
                }
                return
            }
            for change in diff.changes {
                print("\(change.kind.rawValue)\t\(change.id)\t\(change.title)\(change.detail.map { "\t\($0)" } ?? "")")
            }
            print(ChangeSet.Change.Kind.allCases.map { "\($0.rawValue) \(diff.count($0))" }.joined(separator: ", "))
        }
    }
}

struct SnapshotChangesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changes",
        abstract: "What the publishes changed, from the change files beside the snapshots (as GET /v1/changes).",
        discussion: "Without --since: what the current snapshot's publish changed."
    )

    @Option(help: ArgumentHelp("Every change after this build id, up to the current snapshot.", valueName: "build"))
    var since: String?
    @Option(help: ArgumentHelp("Directory of snapshots and their changes/.", valueName: "dir"))
    var snapshots: String = Environment.value("MEDIAGW_SNAPSHOTS") ?? "snapshots"
    @Flag(help: "Print each change as a JSON line (with the build that made it).") var json = false

    func run() async throws {
        try await exitOnError {
            let directory = SnapshotDirectory(path: snapshots)
            guard let current = directory.currentMetadata() else {
                throw MediaError(.notFound, "no snapshot is published in \(snapshots)")
            }
            var sets: [ChangeSet] = []
            for name in directory.changeFileSnapshots() {
                let path = directory.changesPath(for: name)
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                sets.append(try ChangeSet(jsonLines: data, file: path))
            }
            let chain: [ChangeSet]
            if let since {
                guard let found = ChangeSet.chain(sets, since: since, until: current.metadata.buildID) else {
                    throw MediaError(.notFound, ChangeSet.unreachable(since: since, sets: sets))
                }
                chain = found
            } else {
                guard let own = sets.first(where: { $0.to == current.metadata.buildID }) else {
                    throw MediaError(
                        .notFound,
                        "the current snapshot \(current.path) has no change file (it was the first, or built before change files)"
                    )
                }
                chain = [own]
            }
            for set in chain {
                for change in set.changes {
                    if json {
                        struct Line: Encodable {
                            var build: String
                            var change: ChangeSet.Change
                        }
                        print(
                            String(
                                decoding: try JSONEncoder.compact.encode(Line(build: set.to, change: change)),
                                as: UTF8.self
                            )
                        )
                    } else {
                        print(
                            "\(change.kind.rawValue)\t\(change.id)\t\(change.title)\(change.detail.map { "\t\($0)" } ?? "")"
                        )
                    }
                }
            }
            if !json {
                let total = chain.reduce(0) { $0 + $1.changes.count }
                print("\(total) changes in \(chain.count) publishes, up to build \(current.metadata.buildID)")
            }
        }
    }
}
