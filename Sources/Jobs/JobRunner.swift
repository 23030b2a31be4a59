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

/// Runs jobs: takes each job's lock, ingests their streams side by side, then resolves, embeds,
/// builds and publishes once per snapshot directory, records the run and sends alerts.
public struct JobRunner: Sendable {
    public enum Event: Sendable {
        case page(job: String, progress: PageProgress)
        case stage(String)
        /// How far the build after the ingest has got.
        case build(StepProgress)
    }

    public struct Options: Sendable {
        /// Directory of connector files.
        public var connectors: String = "connectors"
        /// Snapshot directory for jobs that do not name one.
        public var snapshots: String = "snapshots"
        /// Overrides each job's `timeouts.lock_wait`.
        public var lockWait: TimeInterval?
        /// Pull this window in steps under the backfill cursor instead of the scheduled one.
        public var backfill: TimeWindow?
        public var step: TimeInterval = 7 * 86_400
        /// Overrides each job's `max_pages`.
        public var maxPages: Int?
        public var environment: [String: String] = ProcessInfo.processInfo.environment
        /// Publish snapshots that lack a capability the current one has (vectors, graph).
        public var allowCapabilityLoss = false

        public init() {}
    }

    public let store: StagingStore
    public var logger: Logger
    public var transport: any HTTPTransport
    /// Makes the embedder when a job's steps include `embed`.
    public var makeEmbedder: @Sendable () async throws -> any Embedder
    public var notifier: WebhookNotifier?
    public var onEvent: (@Sendable (Event) -> Void)?
    /// The matcher the stages after the ingest resolve with.
    public var resolver: any TitleResolver = ScoringResolver()
    /// Lock holder identity (tests stand in for other processes).
    public var lock: JobLock

    public init(
        store: StagingStore,
        logger: Logger,
        transport: any HTTPTransport = URLSessionTransport(),
        makeEmbedder: @escaping @Sendable () async throws -> any Embedder
    ) {
        self.store = store
        self.logger = logger
        self.transport = transport
        self.makeEmbedder = makeEmbedder
        self.lock = JobLock(store: store)
    }

    /// A prepared job: its streams and the redactor for everything said about it.
    struct Prepared {
        var job: JobConfiguration
        var streams: [any IngestStream]
        var redactor: Redactor
    }

    /// Builds every job's streams; the first configuration problem throws, naming the file.
    func prepare(_ jobs: [JobConfiguration], options: Options, ledger: any QuotaLedger) throws -> [Prepared] {
        try jobs.map { job in
            var streams: [any IngestStream] = []
            var secrets: [String] = []
            for part in job.ingest {
                let configuration = try job.connectorConfiguration(part, directory: options.connectors)
                let built: [any IngestStream]
                do {
                    secrets += try configuration.clientSettings(environment: options.environment).keys.map(\.value)
                    built = try Connector.streams(
                        for: configuration,
                        transport: transport,
                        ledger: ledger,
                        logger: logger,
                        environment: options.environment
                    )
                } catch let error as MediaError {
                    throw MediaError(error.code, "\(job.file): connector '\(part.connector)': \(error.message)")
                }
                let configured = built.map(\.name)
                let wanted = job.streamNames(part, configured: configured)
                for name in wanted where !configured.contains(name) {
                    throw part.node.error(
                        "stream '\(name)' is not configured in \(configuration.file) or under 'settings'"
                    )
                }
                streams += built.filter { wanted.contains($0.name) }
            }
            if options.backfill != nil && !streams.contains(where: \.supportsWindows) {
                throw MediaError(
                    .usage,
                    "\(job.file): none of the job's streams can fetch a time window "
                        + "(\(streams.map { "\($0.source)/\($0.name)" }.joined(separator: ", ")))"
                )
            }
            return Prepared(job: job, streams: streams, redactor: Redactor(secrets: secrets))
        }
    }

    /// Runs `jobs` together and returns one summary per job. Throws ``JobLock/Held`` when another
    /// process runs one of them (nothing has been done then), or a configuration error.
    public func run(_ jobs: [JobConfiguration], options: Options = Options()) async throws -> [JobRunSummary] {
        let ledger = QuotaReservations(StagingQuotaLedger(store: store))
        let prepared = try prepare(jobs, options: options, ledger: ledger)
        // Locks in name order, so two processes running overlapping sets cannot deadlock.
        var locked: [String] = []
        defer { for name in locked { lock.release(job: name) } }
        for job in jobs.sorted(by: { $0.name < $1.name }) {
            if let stale = try await lock.acquire(job: job.name, wait: options.lockWait ?? job.lockWait) {
                logger.warning(
                    "took over the lock of job \(job.name) from pid \(stale.pid) (started \(stale.acquiredAt)), which is gone"
                )
            }
            locked.append(job.name)
        }
        return try await runLocked(prepared, options: options, ledger: ledger)
    }

    private func runLocked(_ prepared: [Prepared], options: Options, ledger: QuotaReservations) async throws
        -> [JobRunSummary]
    {
        let kind = options.backfill == nil ? "run" : "backfill"
        let started = Date()
        var runIDs: [String: Int64] = [:]
        var startOver: [String: Set<String>] = [:]
        for item in prepared {
            let job = item.job
            if job.mode == .full && options.backfill == nil {
                // A full run starts each stream over, unless the previous run was cut short: then
                // it resumes, so that a crash never costs the pages already fetched.
                let previous = try store.runs(job: job.name, limit: 1).first
                if let previous, previous.outcome != .running {
                    let outcomes = try store.streams(runID: previous.id)
                    startOver[job.name] = Set(outcomes.filter { $0.outcome == .completed }.map(\.stream))
                } else if previous == nil {
                    startOver[job.name] = Set(item.streams.map { "\($0.source)/\($0.name)" })
                }
            }
            runIDs[job.name] = try store.beginRun(job: job.name, kind: kind)
        }

        // Ingest: every job's streams side by side.
        let reports = await ingest(prepared, runIDs: runIDs, startOver: startOver, options: options, started: started)
        do {
            try await ledger.settle()
        } catch {
            logger.warning("could not return unspent quota reservations to the ledger: \(error)")
        }

        // The stages after the ingest, once per snapshot directory.
        var stageResults: [String: StageOutcome] = [:]
        let groups = Dictionary(grouping: prepared.map(\.job)) { $0.snapshots ?? options.snapshots }
        for (directory, jobs) in groups.sorted(by: { $0.key < $1.key }) {
            let steps = Set(jobs.flatMap(\.steps))
            guard !steps.isEmpty else { continue }
            let anyIngested = jobs.contains { job in
                guard let report = reports[job.name]?.0 else { return false }
                return report.streams.contains { $0.outcome != .failed } || report.streams.isEmpty
            }
            var outcome = StageOutcome()
            if Task.isCancelled {
                outcome.skipped = "stopped by a signal; the stages after the ingest were skipped"
            } else if !anyIngested {
                outcome.skipped = "no stream of the job completed a page; the stages after the ingest were skipped"
            } else {
                let build = BuildStage(
                    store: store,
                    resolver: resolver,
                    makeEmbedder: makeEmbedder,
                    logger: logger,
                    onEvent: onEvent
                )
                outcome = await build.run(
                    steps,
                    embeddings: jobs.contains(where: \.embeddings),
                    names: jobs.map(\.name),
                    directory: directory,
                    keep: jobs.map(\.keepSnapshots).max() ?? 5,
                    allowCapabilityLoss: options.allowCapabilityLoss
                )
                if outcome.error == nil, steps.contains(.publish) {
                    let stores = Set(jobs.compactMap(\.publishTo)).sorted {
                        $0.location.description < $1.location.description
                    }
                    for store in stores {
                        await UploadStage(logger: logger, onEvent: onEvent).run(
                            SnapshotDirectory(path: directory),
                            to: store,
                            keep: jobs.map(\.keepSnapshots).max() ?? 5,
                            environment: options.environment,
                            outcome: &outcome
                        )
                    }
                }
                if outcome.error == nil, steps.contains(.publish) {
                    let sinks = Set(jobs.flatMap(\.eventSinks)).sorted { $0.ledgerName < $1.ledgerName }
                    for sink in sinks {
                        let events = EventsStage(
                            store: store,
                            transport: notifier?.transport ?? transport,
                            logger: logger,
                            onEvent: onEvent
                        )
                        await events.run(
                            SnapshotDirectory(path: directory),
                            to: sink,
                            environment: options.environment,
                            outcome: &outcome
                        )
                    }
                }
            }
            for job in jobs { stageResults[job.name] = outcome }
        }

        var summaries: [JobRunSummary] = []
        for item in prepared {
            let job = item.job
            let runID = runIDs[job.name]!
            let (report, ingestError) = reports[job.name] ?? (nil, "no report")
            let stage = stageResults[job.name] ?? StageOutcome()
            var outcome = report?.outcome ?? .failed
            var message = report?.message.map { item.redactor($0) } ?? ingestError
            if let error = stage.error {
                outcome = .failed
                message = [message, error].compactMap { $0 }.joined(separator: "; ")
            } else if let eventsError = stage.eventsError {
                // The snapshot is published; only its events are still to send.
                if outcome == .success { outcome = .partial }
                message = [message, eventsError].compactMap { $0 }.joined(separator: "; ")
            } else if let skipped = stage.skipped {
                message = [message, skipped].compactMap { $0 }.joined(separator: "; ")
            }
            let counts = report?.counts ?? IngestCounts()
            let stagesJSON = String(decoding: try JSONEncoder.sorted.encode(stage.stages), as: UTF8.self)
            try store.finishRun(
                id: runID,
                outcome: outcome,
                counts: counts,
                snapshot: stage.snapshot,
                message: message,
                stages: stagesJSON
            )
            let removed = try store.pruneRuns(job: job.name, startedBefore: Date().addingTimeInterval(-job.keepRunsFor))
            if removed > 0 { logger.info("pruned \(removed) old runs of job \(job.name)") }
            let summary = JobRunSummary(
                job: job.name,
                runID: runID,
                kind: kind,
                outcome: outcome,
                startedAt: started.formatted(.iso8601),
                seconds: Date().timeIntervalSince(started),
                counts: counts,
                streams: try (report?.streams ?? []).map { stream in
                    var record = try stream.record()
                    record.message = record.message.map { item.redactor($0) }
                    return record
                },
                stages: stage.stages,
                snapshot: stage.snapshot,
                stageError: stage.error ?? ingestError,
                host: JobLock.hostName()
            )
            if let alerts = job.alerts, let notifier {
                await notifier.notify(summary, alerts: alerts, redactor: item.redactor)
            }
            summaries.append(summary)
        }
        return summaries
    }

    /// Runs every job's streams side by side: each job's ingest report, or why it has none.
    func ingest(
        _ prepared: [Prepared],
        runIDs: [String: Int64],
        startOver: [String: Set<String>],
        options: Options,
        started: Date
    ) async -> [String: (IngestRunner.Report?, String?)] {
        await withTaskGroup(of: (String, IngestRunner.Report?, String?).self) { group in
            for item in prepared {
                let job = item.job
                var runner = IngestRunner(
                    store: store,
                    job: job.name,
                    logger: logger,
                    pageLimit: options.maxPages ?? job.maxPages
                )
                runner.deadline = job.runTimeout.map { started.addingTimeInterval($0) }
                runner.startOver = startOver[job.name] ?? []
                let onEvent = self.onEvent
                runner.onPage = { progress in onEvent?(.page(job: job.name, progress: progress)) }
                let runID = runIDs[job.name]!
                group.addTask {
                    do {
                        let report = try await runner.run(
                            item.streams,
                            backfill: options.backfill,
                            step: options.step,
                            runID: runID
                        )
                        return (job.name, report, nil)
                    } catch {
                        return (job.name, nil, item.redactor("\(error)"))
                    }
                }
            }
            var results: [String: (IngestRunner.Report?, String?)] = [:]
            for await (name, report, error) in group { results[name] = (report, error) }
            return results
        }
    }
}
