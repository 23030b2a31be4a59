import ArgumentParser
import Embeddings
import Foundation
import Jobs
import MediaModel
import ObjectStore
import Snapshots
import Staging

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Resolve what is staged into canonical titles and publish a snapshot.",
        discussion: """
            Writes the snapshot under a temporary name, fsyncs, verifies it reads back, renames it \
            into place and swaps CURRENT; then keeps the newest --keep snapshots.
            """
    )

    @Option(help: ArgumentHelp("How many snapshots to keep (the current one is never deleted).", valueName: "n"))
    var keep = 5

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "Build a lexical-only snapshot without vectors (no embedding model needed).")
    var noEmbeddings = false

    @Flag(help: "Publish even if the new snapshot lacks vectors or the graph that the current one has.")
    var allowCapabilityLoss = false

    @Flag(help: "Publish even if the resolved titles equal the current snapshot's.")
    var always = false

    @Flag(help: "No progress on standard error (a bar on a terminal, a line every 10 s elsewhere).")
    var noProgress = false

    @Option(
        help: ArgumentHelp(
            "Also upload the current snapshot to an object store, replacing its CURRENT last (also after an "
                + "unchanged build, which resumes an interrupted upload).",
            valueName: "s3://bucket/prefix"
        )
    )
    var publishTo: String?

    @OptionGroup var embedding: EmbeddingOptions
    @OptionGroup var resolution: ResolutionOptions
    @OptionGroup var common: CommonOptions
    @OptionGroup var store: ObjectStoreOptions

    func validate() throws {
        guard keep >= 1 else { throw ValidationError("--keep must be at least 1") }
        if let publishTo {
            do {
                _ = try S3Location(parsing: publishTo)
            } catch let error as MediaError {
                throw ValidationError("--publish-to: \(error.message)")
            }
        }
    }

    func run() async throws {
        let logger = common.makeLogger()
        let progress = ProgressReporter(label: "build", enabled: !noProgress && !json)
        defer { progress.finish() }
        let summary = try await exitOnError {
            var embedder: (any Embedder)?
            if !noEmbeddings {
                do {
                    embedder = try await embedding.makeEmbedder()
                } catch let error as MediaError {
                    throw MediaError(
                        error.code,
                        error.message + "; or build with --no-embeddings for a lexical-only snapshot"
                    )
                }
            }
            let staging = try common.existingStaging()
            var builder = SnapshotBuilder(
                resolver: try resolution.load().resolver,
                embedder: embedder,
                keep: keep,
                logger: logger
            )
            builder.withoutVectors = "built with --no-embeddings"
            builder.allowCapabilityLoss = allowCapabilityLoss
            builder.publishUnchanged = always
            builder.onProgress = { progress.report($0) }
            return try await builder.build(from: staging, into: SnapshotDirectory(path: common.snapshots))
        }
        progress.finish()
        let upload = try await exitOnError { () async throws -> SnapshotBucket.Publication? in
            guard let publishTo else { return nil }
            let directory = SnapshotDirectory(path: common.snapshots)
            guard let path = try directory.currentSnapshotPath() else {
                throw MediaError(.notFound, "\(common.snapshots) has no current snapshot to upload")
            }
            return try await store.bucket(try S3Location(parsing: publishTo)).publish(snapshotAt: path, keep: keep)
        }
        if json {
            /// The summary's fields, and `upload` with --publish-to.
            struct Output: Encodable {
                var summary: SnapshotBuilder.Summary
                var upload: SnapshotBucket.Publication?
                enum Key: CodingKey { case upload }
                func encode(to encoder: any Encoder) throws {
                    try summary.encode(to: encoder)
                    var container = encoder.container(keyedBy: Key.self)
                    try container.encodeIfPresent(upload, forKey: .upload)
                }
            }
            print(
                String(decoding: try JSONEncoder.pretty.encode(Output(summary: summary, upload: upload)), as: UTF8.self)
            )
            return
        }
        defer {
            if let upload {
                print(
                    "uploaded to \(upload.location)/\(upload.name): "
                        + (upload.uploaded
                            ? "\(upload.bytes) bytes in \(String(format: "%.2f", upload.seconds)) s" : "already there")
                        + (upload.isCurrent
                            ? ", CURRENT names it" : "; not made current: \(upload.current ?? "") is newer")
                        + (upload.pruned.isEmpty ? "" : "; pruned \(upload.pruned.count) old")
                )
            }
        }
        if summary.unchanged {
            print(
                "unchanged: \(summary.titles) titles from \(summary.records) records equal the current snapshot "
                    + "\(summary.path); nothing published (--always publishes anyway)"
            )
        } else {
            print(
                "published \(summary.path): \(summary.titles) titles from \(summary.records) records, "
                    + "\(summary.bytes) bytes, \(String(format: "%.2f", summary.seconds)) s"
            )
            if !summary.isCurrent {
                print("not made current: a build that started later is already current")
            }
            if summary.resolution == "reused" { print("resolution: no record changed, titles reused without matching") }
            if let report = summary.embeddings {
                print(
                    "embeddings: \(report.computed) computed, \(report.cached) from cache "
                        + "(\(String(format: "%.2f", report.seconds)) s)"
                )
            } else {
                print(
                    "embeddings: none (\(summary.withoutVectors ?? "--no-embeddings")); semantic search is off for this snapshot"
                )
            }
        }
    }
}
