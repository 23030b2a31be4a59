import ArgumentParser
import Foundation
import Staging

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "Show run history, newest first.")

    @Argument(help: ArgumentHelp("Only runs of this job (e.g. import:catalog, build).", valueName: "job"))
    var job: String?
    @Option(help: "How many runs to show.") var limit = 20
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await exitOnError {
            let runs = try StagingStore(path: common.staging).runs(job: job, limit: limit)
            if json {
                print(String(decoding: try JSONEncoder.pretty.encode(runs), as: UTF8.self))
                return
            }
            for run in runs {
                let counts = run.counts
                print(
                    "#\(run.id) \(run.job) \(run.outcome) started \(run.startedAt)"
                        + " read \(counts.read) new \(counts.new) changed \(counts.changed)"
                        + " quarantined \(counts.quarantined) tombstoned \(counts.tombstoned)"
                        + (run.snapshot.map { " snapshot \(($0 as NSString).lastPathComponent)" } ?? "")
                        + (run.message.map { " — \($0)" } ?? "")
                )
            }
        }
    }
}

struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "Show quarantined input: where it was, why it was refused, and how it began."
    )

    @Option(help: "Only this source.") var source: String?
    @Option(help: "How many entries to show.") var limit = 50
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await exitOnError {
            let entries = try StagingStore(path: common.staging).quarantine(source: source, limit: limit)
            if json {
                print(String(decoding: try JSONEncoder.pretty.encode(entries), as: UTF8.self))
                return
            }
            for entry in entries {
                print("\(entry.location) [\(entry.source), run \(entry.runID)]: \(entry.reason)")
                print("    \(entry.excerpt.prefix(160))")
            }
        }
    }
}
