import ArgumentParser
import ConfigFiles
import Connectors
import Embeddings
import Foundation
import Jobs
import MediaModel
import Staging

#if canImport(Glibc)
    import Glibc
#endif

/// Options shared by `run` and `backfill`.
struct JobRunOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("Wait this long for a job's lock (30s, 10m) instead of exiting 73.", valueName: "duration")
    )
    var wait: String?

    @Option(
        help: ArgumentHelp("Stop each stream after this many pages (overrides the job's max_pages).", valueName: "n")
    )
    var maxPages: Int?

    @Flag(help: "Print the summaries as JSON.")
    var json = false

    @Flag(help: "No progress on standard error (a line redrawn on a terminal, a line every 10 s elsewhere).")
    var noProgress = false

    @Flag(help: "Publish even if the new snapshot lacks vectors or the graph that the current one has.")
    var allowCapabilityLoss = false

    func validate() throws {
        if let wait, DurationText.seconds(wait) == nil {
            throw ValidationError("--wait '\(wait)' is not a duration like 30s, 10m or 2h")
        }
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run jobs: ingest their streams, then resolve, embed, build and publish.",
        discussion: """
            Each job takes its lock first; streams of all the jobs run side by side, each page \
            committing with its cursor, so an interrupted run resumes where it stopped. The stages \
            after the ingest run once per snapshot directory.

            Exit status: 0 success; 2 partial (a stream failed or stopped early, or records were \
            quarantined); 75 quota exhausted (resumes after the provider's reset); 1 failed; \
            73 a job's lock is held by a running process; 78 bad configuration.
            """
    )

    @Argument(help: ArgumentHelp("Job names (jobs/<name>.yml) or job files.", valueName: "job"))
    var jobNames: [String] = []

    @Flag(help: "Run every job in the jobs directory.")
    var all = false

    @OptionGroup var execution: JobExecution

    func validate() throws {
        if jobNames.isEmpty && !all { throw ValidationError("name at least one job, or --all") }
        if !jobNames.isEmpty && all { throw ValidationError("name jobs or use --all, not both") }
    }

    func run() async throws {
        try await execution.execute(names: jobNames, all: all, configure: { _ in })
    }
}

struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Pull a time window through a job's streams, then resolve and build like a run.",
        discussion: """
            Streams that can fetch time windows pull [--from, --to) in --step steps under a cursor \
            of their own: the scheduled cursor does not move, and running the same backfill again \
            continues where it stopped. Exit statuses as for `mediagw run`.
            """
    )

    @Argument(help: ArgumentHelp("The job (jobs/<name>.yml) or a job file.", valueName: "job"))
    var job: String

    @Option(help: ArgumentHelp("Start of the window (YYYY-MM-DD or ISO 8601).", valueName: "date"))
    var from: String

    @Option(help: ArgumentHelp("End of the window, exclusive.", valueName: "date"))
    var to: String

    @Option(help: ArgumentHelp("Step: 7d, 12h, 30m.", valueName: "duration"))
    var step = "7d"

    @OptionGroup var execution: JobExecution

    func validate() throws {
        guard DurationText.seconds(step) != nil else {
            throw ValidationError("--step '\(step)' is not a duration like 7d, 12h or 30m")
        }
        guard let start = DurationText.date(from), let end = DurationText.date(to) else {
            throw ValidationError("--from and --to must be dates like 2025-01-31")
        }
        guard start < end else { throw ValidationError("--from must be before --to") }
    }

    func run() async throws {
        let window = TimeWindow(from: DurationText.date(from)!, to: DurationText.date(to)!)
        let seconds = DurationText.seconds(step)!
        try await execution.execute(names: [job], all: false) { runOptions in
            runOptions.backfill = window
            runOptions.step = seconds
        }
    }
}

/// What `run` and `backfill` share: their options, and loading jobs, running them, printing,
/// alerting and exiting with the status.
struct JobExecution: ParsableArguments {
    @OptionGroup var files: JobFileOptions
    @OptionGroup var options: JobRunOptions
    @OptionGroup var embedding: EmbeddingOptions
    @OptionGroup var resolution: ResolutionOptions
    @OptionGroup var common: CommonOptions

    func execute(names: [String], all: Bool, configure: (inout JobRunner.Options) -> Void) async throws {
        let logger = common.makeLogger()
        let progress = ProgressLine(enabled: !options.noProgress && !options.json)
        let summaries: [JobRunSummary] = try await exitOnError {
            let jobs = all ? try JobConfiguration.loadAll(directory: files.jobs) : try names.map(files.load)
            guard !jobs.isEmpty else { throw MediaError(.configuration, "no job files in \(files.jobs)") }
            let store = try StagingStore(path: common.staging)
            let embedding = self.embedding
            var runner = JobRunner(store: store, logger: logger) { try await embedding.makeEmbedder() }
            runner.notifier = WebhookNotifier(logger: logger)
            runner.resolver = try resolution.load().resolver
            runner.onEvent = { progress.update($0) }
            var runOptions = JobRunner.Options()
            runOptions.connectors = files.connectors
            runOptions.snapshots = common.snapshots
            runOptions.lockWait = options.wait.flatMap(DurationText.seconds)
            runOptions.maxPages = options.maxPages
            runOptions.allowCapabilityLoss = options.allowCapabilityLoss
            configure(&runOptions)
            let (ready, options) = (runner, runOptions)
            do {
                return try await Lifecycle.cancellingOnShutdown(logger: logger) {
                    try await ready.run(jobs, options: options)
                }
            } catch let held as JobLock.Held {
                progress.finish()
                FileHandleOutput.standardError("mediagw: \(held.description); try again later or use --wait")
                throw ExitCode(ExitStatus.lockHeld)
            }
        }
        progress.finish()
        if options.json {
            print(String(decoding: try JSONEncoder.pretty.encode(summaries), as: UTF8.self))
        } else {
            for summary in summaries { print(Self.describe(summary)) }
        }
        try ExitStatus.exit(for: .combined(summaries.map(\.outcome)))
    }

    /// A run in a few lines: the outcome and counts, then anything that did not complete.
    static func describe(_ summary: JobRunSummary) -> String {
        let counts = summary.counts
        var lines = [
            "\(summary.job) \(summary.kind) \(summary.runID): \(summary.outcome) in "
                + String(format: "%.1f s", summary.seconds)
                + " — read \(counts.read), new \(counts.new), changed \(counts.changed), "
                + "quarantined \(counts.quarantined), tombstoned \(counts.tombstoned); "
                + "\(summary.streams.map(\.requests).reduce(0, +)) requests, "
                + "\(summary.streams.map(\.quotaUnits).reduce(0, +)) quota units"
        ]
        for stream in summary.streams where stream.outcome != .completed || stream.counts.quarantined > 0 {
            lines.append("  \(stream.stream): \(stream.outcome)" + (stream.message.map { " — \($0)" } ?? ""))
        }
        if let error = summary.stageError { lines.append("  \(error)") }
        for stage in summary.stages where stage.outcome == .unchanged {
            lines.append("  unchanged: \(stage.message ?? "nothing published")")
        }
        if let snapshot = summary.snapshot { lines.append("  published \(snapshot)") }
        for stage in summary.stages where stage.step == "events" {
            let text = stage.message ?? ""
            lines.append(stage.outcome == .success ? "  change events: \(text)" : "  change events failed: \(text)")
        }
        for stage in summary.stages where stage.step == "upload" && stage.outcome == .success {
            lines.append("  upload: \(stage.message ?? "done")")
        }
        return lines.joined(separator: "\n")
    }
}

/// The progress of a run on standard error: on a terminal one line redrawn as pages commit (a
/// bar and an ETA when the streams can tell how far they are, then pages, records and the rate,
/// then the build's step); elsewhere the same line every ten seconds. What the line says is
/// ``RunProgress``'s.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var progress = RunProgress()
    private var output: ProgressOutput

    init(enabled: Bool) {
        output = ProgressOutput(enabled: enabled)
    }

    func update(_ event: JobRunner.Event) {
        guard output.style != .off else { return }
        lock.withLock {
            let urgent = progress.apply(event)
            // The line is made from copies: `draw` holds `output` while it runs.
            let (state, bar) = (progress, output.style == .bar)
            output.draw(urgent: urgent) { state.line(Date(), bar: bar) }
        }
    }

    func finish() {
        lock.withLock { output.clear() }
    }
}
