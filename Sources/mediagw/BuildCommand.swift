import ArgumentParser
import Embeddings
import Foundation
import Jobs
import MediaModel
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

    @OptionGroup var embedding: EmbeddingOptions
    @OptionGroup var resolution: ResolutionOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard keep >= 1 else { throw ValidationError("--keep must be at least 1") }
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
            let store = try common.existingStaging()
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
            return try await builder.build(from: store, into: SnapshotDirectory(path: common.snapshots))
        }
        progress.finish()
        if json {
            print(String(decoding: try JSONEncoder.pretty.encode(summary), as: UTF8.self))
        } else if summary.unchanged {
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
