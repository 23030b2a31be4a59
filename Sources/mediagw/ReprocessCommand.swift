import ArgumentParser
import Connectors
import Foundation
import Jobs
import MediaModel
import Staging

struct ReprocessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprocess",
        abstract: "Re-derive source records from the raw archive with the current mapping (no fetching).",
        discussion: """
            After a mapping fix or a change to the tables in connectors/*.yml: each live record is \
            mapped again from the payload it came from, and items quarantined earlier are staged \
            when they now map. Then `mediagw build` (or the next run) publishes the result. \
            Sources imported from JSONL files are re-imported with `mediagw import` instead.
            """
    )

    @Option(
        help: ArgumentHelp(
            "Only this source (a provider name); default: every provider with a connector file.",
            valueName: "name"
        )
    )
    var source: String?

    @Option(help: ArgumentHelp("Directory of connector files.", valueName: "dir"))
    var connectors: String = Environment.value("MEDIAGW_CONNECTORS") ?? "connectors"

    @Flag(help: "Print the reports as JSON.") var json = false
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let logger = common.makeLogger()
        let reports = try await exitOnError { () -> [Reprocessor.Report] in
            let sources = source.map { [$0] } ?? ConnectorConfiguration.providers
            if let source, !ConnectorConfiguration.providers.contains(source) {
                throw MediaError(
                    .usage,
                    "'\(source)' is not a provider (\(ConnectorConfiguration.providers.joined(separator: ", "))); "
                        + "re-import file sources with `mediagw import`"
                )
            }
            let store = try common.existingStaging()
            var reports: [Reprocessor.Report] = []
            for name in sources {
                let file = "\(connectors)/\(name).yml"
                guard FileManager.default.fileExists(atPath: file) else {
                    if self.source != nil { throw MediaError(.configuration, "no connector file \(file)") }
                    continue
                }
                let configuration = try ConnectorConfiguration.load(file: file)
                reports.append(
                    try Reprocessor(store: store, logger: logger).reprocess(source: name, configuration: configuration)
                )
            }
            return reports
        }
        if json {
            print(String(decoding: try JSONEncoder.pretty.encode(reports), as: UTF8.self))
            return
        }
        for report in reports {
            let counts = report.counts
            print(
                "\(report.source): \(report.payloads) payloads, read \(counts.read), changed \(counts.changed), "
                    + "unchanged \(counts.unchanged), new \(counts.new), quarantined \(counts.quarantined), "
                    + "recovered from quarantine \(report.recovered)"
            )
        }
    }
}
