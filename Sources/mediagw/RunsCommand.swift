import ArgumentParser
import Foundation
import Jobs
import MediaModel
import Staging

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Show run history, newest first, or one run in detail.",
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first (the default).")

        @Argument(help: ArgumentHelp("Only runs of this job (e.g. nightly, import:catalog, build).", valueName: "job"))
        var job: String?
        @Option(help: ArgumentHelp("How many runs to show.", valueName: "n")) var limit = 20
        @Flag(help: "Print as JSON.") var json = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await exitOnError {
                let runs = try common.existingStaging().runs(job: job, limit: limit)
                if json {
                    print(String(decoding: try JSONEncoder.pretty.encode(runs), as: UTF8.self))
                    return
                }
                if runs.isEmpty { print(job.map { "no runs of \($0) yet" } ?? "no runs yet") }
                for run in runs {
                    let counts = run.counts
                    print(
                        "#\(run.id) \(run.job) \(run.kind) \(run.outcome) started \(run.startedAt)"
                            + (RunsCommand.duration(run).map { " took \($0)" } ?? "")
                            + " read \(counts.read) new \(counts.new) changed \(counts.changed)"
                            + " quarantined \(counts.quarantined) tombstoned \(counts.tombstoned)"
                            + (run.quotaUnits > 0 ? " quota \(run.quotaUnits)" : "")
                            + (run.snapshot.map { " snapshot \(($0 as NSString).lastPathComponent)" } ?? "")
                    )
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one run: its streams, stages and errors.")

        @Argument(help: ArgumentHelp("The run's number (from `mediagw runs`).", valueName: "run")) var runID: Int64
        @Flag(help: "Print as JSON.") var json = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await exitOnError {
                let store = try common.existingStaging()
                guard let record = try store.run(id: runID) else {
                    throw MediaError(.notFound, "no run \(runID) in \(common.staging)")
                }
                let streams = try store.streams(runID: runID)
                if json {
                    struct Detail: Encodable {
                        var run: RunRecord
                        var streams: [StreamRecord]
                    }
                    print(
                        String(
                            decoding: try JSONEncoder.pretty.encode(Detail(run: record, streams: streams)),
                            as: UTF8.self
                        )
                    )
                    return
                }
                let counts = record.counts
                print("run \(record.id): job \(record.job) (\(record.kind)), \(record.outcome)")
                print(
                    "  started \(record.startedAt)"
                        + (record.finishedAt.map { ", finished \($0)" } ?? "")
                        + (RunsCommand.duration(record).map { " (\($0))" } ?? "")
                )
                print(
                    "  read \(counts.read), new \(counts.new), changed \(counts.changed), unchanged \(counts.unchanged), "
                        + "quarantined \(counts.quarantined), tombstoned \(counts.tombstoned); "
                        + "\(record.requests) requests, \(record.quotaUnits) quota units"
                )
                if let snapshot = record.snapshot { print("  snapshot \(snapshot)") }
                for stream in streams {
                    let c = stream.counts
                    print(
                        "  stream \(stream.stream): \(stream.outcome), \(stream.pages) pages, \(stream.requests) requests, "
                            + "\(stream.quotaUnits) units; read \(c.read), new \(c.new), changed \(c.changed), "
                            + "quarantined \(c.quarantined), tombstoned \(c.tombstoned)"
                    )
                    if let resumes = stream.resumesAfter { print("    resumes after \(resumes)") }
                    if let message = stream.message { print("    \(message)") }
                    if let unmapped = stream.unmappedJSON { print("    unmapped: \(unmapped)") }
                }
                if let stages = record.stages,
                    let decoded = try? JSONDecoder().decode([JobRunSummary.Stage].self, from: Data(stages.utf8))
                {
                    for stage in decoded {
                        print(
                            "  stage \(stage.step): \(stage.outcome) in \(String(format: "%.2f s", stage.seconds))"
                                + (stage.message.map { " — \($0)" } ?? "")
                        )
                    }
                }
                if let message = record.message { print("  message: \(message)") }
            }
        }
    }

    /// How long a finished run took, as text.
    static func duration(_ run: RunRecord) -> String? {
        guard let finished = run.finishedAt, let end = try? Date(finished, strategy: .iso8601),
            let start = try? Date(run.startedAt, strategy: .iso8601)
        else { return nil }
        return String(format: "%.1f s", end.timeIntervalSince(start))
    }
}

struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "Show quarantined input: where it was, why it was refused, and how it began."
    )

    @Option(help: ArgumentHelp("Only this source.", valueName: "name")) var source: String?
    @Option(help: ArgumentHelp("How many entries to show.", valueName: "n")) var limit = 50
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await exitOnError {
            let entries = try common.existingStaging().quarantine(source: source, limit: limit)
            if json {
                print(String(decoding: try JSONEncoder.pretty.encode(entries), as: UTF8.self))
                return
            }
            if entries.isEmpty { print("nothing quarantined" + (source.map { " from \($0)" } ?? "")) }
            for entry in entries {
                print("\(entry.location) [\(entry.source), run \(entry.runID)]: \(entry.reason)")
                print("    \(entry.excerpt.prefix(160))")
            }
        }
    }
}

struct QuotaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota",
        abstract: "Show the quota ledger: units spent per provider, key and provider quota day.",
        discussion: """
            Keys are shown by where they come from (env:YOUTUBE_API_KEY), never by value. While a \
            run is going, its reserved but unspent units are included (at most two blocks per \
            key, see docs/connectors.md); a finished run has given them back.
            """
    )

    @Option(help: ArgumentHelp("Only this quota day (YYYY-MM-DD, the provider's reset clock).", valueName: "day"))
    var day: String?
    @Option(help: ArgumentHelp("Only this provider.", valueName: "name")) var provider: String?
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup var common: CommonOptions

    struct Entry: Encodable {
        var provider: String
        var key: String
        var day: String
        var units: Int
    }

    func run() async throws {
        try await exitOnError {
            let entries = try common.existingStaging().quotaLedger(day: day)
                .filter { provider == nil || $0.provider == provider }
                .map { Entry(provider: $0.provider, key: $0.key, day: $0.day, units: $0.units) }
            if json {
                print(String(decoding: try JSONEncoder.pretty.encode(entries), as: UTF8.self))
                return
            }
            if entries.isEmpty { print("no quota spent\(day.map { " on \($0)" } ?? "")") }
            for entry in entries {
                print("\(entry.day)  \(entry.provider)  \(entry.key)  \(entry.units) units")
            }
        }
    }
}
