import ArgumentParser
import ConfigFiles
import Connectors
import Foundation
import Jobs
import MediaModel
import Staging

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Pull a provider's streams into staging (connectors/<provider>.yml).",
        discussion: """
            Each page commits with its cursor, so an interrupted ingest resumes where it stopped. \
            With --from/--to, streams that support time windows pull that window in --step steps \
            under a cursor of their own (a backfill), leaving the scheduled cursor alone.

            Exit status: 0 success; 2 partial (a stream failed or records were quarantined); \
            75 quota exhausted (resumes after the provider's reset); 1 every stream failed; \
            78 bad configuration.
            """
    )

    @Argument(help: ArgumentHelp("A provider name or a connector file.", valueName: "provider"))
    var provider: String

    @Option(help: ArgumentHelp("Directory of connector files.", valueName: "dir"))
    var connectors = "connectors"

    @Option(name: .customLong("stream"), help: "Only these streams (repeatable).")
    var streams: [String] = []

    @Option(help: ArgumentHelp("Talk to this base URL instead (the simulator, a proxy).", valueName: "url"))
    var baseURL: String?

    @Option(help: ArgumentHelp("Backfill from this date (YYYY-MM-DD or ISO 8601).", valueName: "date"))
    var from: String?

    @Option(help: ArgumentHelp("Backfill up to this date, exclusive.", valueName: "date"))
    var to: String?

    @Option(help: ArgumentHelp("Backfill step: 7d, 12h, 30m.", valueName: "duration"))
    var step = "7d"

    @Option(
        name: .customLong("show"),
        help: ArgumentHelp(
            "Refresh this Streaming Availability show instead of running streams (/shows/{id}; repeatable): 82, tt0068646, movie/238, tv/1396.",
            valueName: "id"
        )
    )
    var shows: [String] = []

    @Option(help: ArgumentHelp("Stop each stream after this many pages.", valueName: "n"))
    var maxPages: Int?

    @Option(help: ArgumentHelp("Job name the cursors belong to.", valueName: "name"))
    var job: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if (from == nil) != (to == nil) { throw ValidationError("--from and --to go together") }
        if !shows.isEmpty && (from != nil || !streams.isEmpty) {
            throw ValidationError("--show refreshes single titles; it does not go with --stream or --from/--to")
        }
        guard DurationText.seconds(step) != nil else {
            throw ValidationError("--step '\(step)' is not a duration like 7d, 12h or 30m")
        }
    }

    func run() async throws {
        let logger = common.makeLogger()
        let report = try await exitOnError { () -> IngestRunner.Report in
            let file =
                provider.hasSuffix(".yml") || provider.hasSuffix(".yaml") ? provider : "\(connectors)/\(provider).yml"
            var configuration = try ConnectorConfiguration.load(file: file)
            if let baseURL {
                guard let url = URL(string: baseURL), url.host != nil else {
                    throw MediaError(.usage, "--base-url '\(baseURL)' is not a URL")
                }
                configuration.baseURL = url
            }
            var window: TimeWindow?
            if let from, let to {
                guard let start = DurationText.date(from), let end = DurationText.date(to), start < end else {
                    throw MediaError(.usage, "--from and --to must be dates (YYYY-MM-DD) with --from before --to")
                }
                window = TimeWindow(from: start, to: end)
            }
            var ingest = ManualIngest(configuration: configuration)
            ingest.streams = streams
            ingest.shows = shows
            ingest.backfill = window
            ingest.step = DurationText.seconds(step)!
            ingest.pageLimit = maxPages
            ingest.job = job
            let report = try await ingest.run(store: try StagingStore(path: common.staging), logger: logger)
            return report
        }
        if json {
            print(String(decoding: try JSONEncoder.pretty.encode(report), as: UTF8.self))
        } else {
            for stream in report.streams {
                let counts = stream.counts
                var line =
                    "\(stream.stream): \(stream.outcome.rawValue), \(stream.pages) pages, read \(counts.read), new \(counts.new), "
                    + "changed \(counts.changed), unchanged \(counts.unchanged), quarantined \(counts.quarantined)"
                if counts.tombstoned > 0 { line += ", tombstoned \(counts.tombstoned)" }
                print(line)
                if let message = stream.message { print("  \(message)") }
                if !stream.unmapped.isEmpty {
                    let values = stream.unmapped.sorted { $0.key < $1.key }.prefix(10).map { "\($0.key) ×\($0.value)" }
                    print("  unmapped: " + values.joined(separator: ", "))
                }
            }
            print("run \(report.runID): \(report.outcome)")
        }
        try ExitStatus.exit(for: report.outcome)
    }
}
