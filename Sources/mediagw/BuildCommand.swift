import ArgumentParser
import Embeddings
import Events
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

    @Option(
        help: ArgumentHelp(
            "Also send the publish's changes, one JetStream message each, to this NATS server (and what an "
                + "earlier publish could not send).",
            valueName: "nats://host:port"
        )
    )
    var eventsNats: String?

    @Option(help: ArgumentHelp("Subject prefix of the change events.", valueName: "prefix"))
    var eventsPrefix = NATSEventSink.defaultPrefix

    @Option(
        help: ArgumentHelp("Environment variable holding the NATS token or user:password.", valueName: "name")
    )
    var eventsCredentialsEnv: String?

    @OptionGroup var embedding: EmbeddingOptions
    @OptionGroup var resolution: ResolutionOptions
    @OptionGroup var common: CommonOptions
    @OptionGroup var store: ObjectStoreOptions

    func validate() throws {
        guard keep >= 1 else { throw ValidationError("--keep must be at least 1") }
        _ = try eventSink()
        if let publishTo {
            do {
                _ = try S3Location(parsing: publishTo)
            } catch let error as MediaError {
                throw ValidationError("--publish-to: \(error.message)")
            }
        }
    }

    /// The sink `--events-nats` names, checked.
    func eventSink() throws -> NATSEventSink? {
        guard let eventsNats else { return nil }
        do {
            try ChangeEvents.checkPrefix(eventsPrefix)
            return NATSEventSink(
                address: try NATSAddress(parsing: eventsNats),
                subjectPrefix: eventsPrefix,
                credentialsVariable: eventsCredentialsEnv
            )
        } catch let error as MediaError {
            throw ValidationError("--events-nats: \(error.message)")
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
        // The snapshot stands whatever happens to its events: a failure here is reported after
        // the summary, with exit status 2, and the next publish sends what is left.
        var events: ChangeEventDelivery.Report?
        var eventsError: MediaError?
        if let sink = try eventSink() {
            do {
                events = try await ChangeEventDelivery(store: try common.existingStaging(), logger: logger).deliver(
                    SnapshotDirectory(path: common.snapshots),
                    to: .nats(sink),
                    environment: ProcessInfo.processInfo.environment
                )
            } catch {
                eventsError = error as? MediaError ?? MediaError(.io, "\(error)")
            }
        }
        defer {
            if let eventsError {
                FileHandleOutput.standardError(
                    "mediagw: the snapshot is published, its change events are not: "
                        + eventsError.message
                )
            }
        }
        if json {
            /// The summary's fields, `upload` with --publish-to and `events` with --events-nats.
            struct Output: Encodable {
                var summary: SnapshotBuilder.Summary
                var upload: SnapshotBucket.Publication?
                var events: ChangeEventDelivery.Report?
                var eventsError: String?
                enum Key: CodingKey { case upload, events, eventsError }
                func encode(to encoder: any Encoder) throws {
                    try summary.encode(to: encoder)
                    var container = encoder.container(keyedBy: Key.self)
                    try container.encodeIfPresent(upload, forKey: .upload)
                    try container.encodeIfPresent(events, forKey: .events)
                    try container.encodeIfPresent(eventsError, forKey: .eventsError)
                }
            }
            let output = Output(summary: summary, upload: upload, events: events, eventsError: eventsError?.message)
            print(String(decoding: try JSONEncoder.pretty.encode(output), as: UTF8.self))
            if eventsError != nil { throw ExitCode(ExitStatus.partial) }
            return
        }
        defer {
            if let events { print("change events: \(events.summary)") }
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
        if eventsError != nil { throw ExitCode(ExitStatus.partial) }
    }
}
