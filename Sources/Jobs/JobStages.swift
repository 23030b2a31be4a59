import Connectors
import Embeddings
import Foundation
import HTTPClient
import Logging
import MediaModel
import ObjectStore
import Resolution
import Snapshots
import Staging

/// How the stages after the ingest went for one snapshot directory: what each recorded in the
/// run's summary, the snapshot published, and why the run is failed or partial if it is.
struct StageOutcome {
    var stages: [JobRunSummary.Stage] = []
    var snapshot: String?
    var error: String?
    /// Why change events could not all be sent: the run is partial, the snapshot stands.
    var eventsError: String?
    var skipped: String?
}

/// Resolve, embed, build and publish into one snapshot directory.
struct BuildStage {
    var store: any BuildStores
    var resolver: any TitleResolver
    var makeEmbedder: @Sendable () async throws -> any Embedder
    var logger: Logger
    var onEvent: (@Sendable (JobRunner.Event) -> Void)?

    /// Resolve, embed, build and publish into `directory`, as far as `steps` asks. A build embeds
    /// when `embed` is a step (a missing model is then an error) or, unless every job of the
    /// group opted out (`embeddings` false), whenever a model is available.
    func run(
        _ steps: Set<JobConfiguration.Step>,
        embeddings: Bool,
        names: [String],
        directory: String,
        keep: Int,
        allowCapabilityLoss: Bool
    ) async -> StageOutcome {
        var outcome = StageOutcome()
        let started = Date()
        do {
            if !steps.contains(.build) {
                onEvent?(.stage("resolve"))
                let titles = try SnapshotBuilder(resolver: resolver, keep: keep, logger: logger).resolveOnly(
                    from: store
                )
                outcome.stages.append(
                    .init(
                        step: "resolve",
                        outcome: .success,
                        seconds: Date().timeIntervalSince(started),
                        message: "\(titles) titles"
                    )
                )
                return outcome
            }
            var builder = SnapshotBuilder(resolver: resolver, keep: keep, logger: logger)
            builder.allowCapabilityLoss = allowCapabilityLoss
            if let onEvent { builder.onProgress = { onEvent(.build($0)) } }
            if steps.contains(.embed) {
                onEvent?(.stage("embed"))
                do {
                    builder.embedder = try await makeEmbedder()
                } catch let error as MediaError {
                    throw MediaError(error.code, "embed: \(error.message)")
                }
            } else if !embeddings {
                builder.withoutVectors = "job \(names.joined(separator: ", ")) sets embeddings: false"
            } else {
                do {
                    builder.embedder = try await makeEmbedder()
                } catch {
                    let text = (error as? MediaError)?.message ?? "\(error)"
                    builder.withoutVectors = "no embedding model: \(text)"
                    logger.warning("building without vectors: \(text)")
                }
            }
            onEvent?(.stage(steps.contains(.publish) ? "build and publish" : "build"))
            let summary = try await builder.build(
                from: store,
                into: SnapshotDirectory(path: directory),
                makeCurrent: steps.contains(.publish),
                recordRun: false
            )
            for step in ["resolve", "embed", "write", "publish"] {
                guard let seconds = summary.phases[step] else { continue }
                outcome.stages.append(.init(step: step, outcome: .success, seconds: seconds, message: nil))
            }
            if summary.unchanged {
                outcome.stages.append(
                    .init(
                        step: "publish",
                        outcome: .unchanged,
                        seconds: 0,
                        message: "\(summary.titles) titles from \(summary.records) records, equal to the current "
                            + "snapshot \(summary.path); nothing published"
                    )
                )
                return outcome
            }
            outcome.snapshot = summary.path
            if var last = outcome.stages.popLast() {
                last.message = "\(summary.titles) titles from \(summary.records) records in \(summary.path)"
                if let reason = summary.withoutVectors { last.message! += "; no vectors: \(reason)" }
                outcome.stages.append(last)
            }
        } catch {
            let text = (error as? MediaError)?.message ?? "\(error)"
            outcome.error = "stages after the ingest failed: \(text)"
            outcome.stages.append(
                .init(step: "build", outcome: .failed, seconds: Date().timeIntervalSince(started), message: text)
            )
            logger.error("\(outcome.error!)")
        }
        return outcome
    }
}

/// The directory's current snapshot to an object store (`publish: {to: s3://…}`).
struct UploadStage {
    var logger: Logger
    var onEvent: (@Sendable (JobRunner.Event) -> Void)?

    /// Uploads the directory's current snapshot to `store` — also after an unchanged build, so a
    /// run resumes an upload an earlier one could not finish — and records the stage.
    func run(
        _ directory: SnapshotDirectory,
        to store: JobConfiguration.StorePublish,
        keep: Int,
        environment: [String: String],
        outcome: inout StageOutcome
    ) async {
        let started = Date()
        onEvent?(.stage("upload to \(store.location)"))
        do {
            guard let path = try directory.currentSnapshotPath() else {
                throw MediaError(.notFound, "\(directory.path) has no current snapshot to upload")
            }
            let configuration = try S3Configuration.resolve(
                endpoint: store.endpoint,
                region: store.region,
                addressing: store.addressing,
                credentialsFile: store.credentialsFile,
                environment: environment
            )
            let bucket = SnapshotBucket(client: S3Client(configuration: configuration), location: store.location)
            let publication = try await bucket.publish(snapshotAt: path, keep: keep)
            var message = "\(store.location)/\(publication.name) "
            message += publication.uploaded ? "uploaded (\(publication.bytes) bytes)" : "already in the store"
            message += publication.isCurrent ? "; CURRENT names it" : "; a newer build is current there"
            outcome.stages.append(
                .init(step: "upload", outcome: .success, seconds: Date().timeIntervalSince(started), message: message)
            )
        } catch {
            let text = (error as? MediaError)?.message ?? "\(error)"
            outcome.error = "the upload to \(store.location) failed: \(text)"
            outcome.stages.append(
                .init(step: "upload", outcome: .failed, seconds: Date().timeIntervalSince(started), message: text)
            )
            logger.error("\(outcome.error!)")
        }
    }
}

/// The change events of the published snapshots to a sink (`publish: {events: …}`).
struct EventsStage {
    var store: any EventDeliveryStore
    var transport: any HTTPTransport
    var logger: Logger
    var onEvent: (@Sendable (JobRunner.Event) -> Void)?

    /// Sends the change events the sink has not acknowledged, and records the stage. A failure
    /// leaves the published snapshot as it is and makes the run partial (exit 2).
    func run(
        _ directory: SnapshotDirectory,
        to sink: ChangeEventSink,
        environment: [String: String],
        outcome: inout StageOutcome
    ) async {
        let started = Date()
        onEvent?(.stage("change events to \(sink.description)"))
        do {
            var delivery = ChangeEventDelivery(store: store, logger: logger)
            delivery.transport = transport
            let report = try await delivery.deliver(directory, to: sink, environment: environment)
            outcome.stages.append(
                .init(
                    step: "events",
                    outcome: .success,
                    seconds: Date().timeIntervalSince(started),
                    message: "\(report.summary) by \(sink.description)"
                )
            )
        } catch {
            let text = (error as? MediaError)?.message ?? "\(error)"
            outcome.eventsError = text
            outcome.stages.append(
                .init(step: "events", outcome: .failed, seconds: Date().timeIntervalSince(started), message: text)
            )
            logger.error("\(text)")
        }
    }
}
