import ArgumentParser
import Foundation
import Jobs
import MediaModel
import Staging

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a source-record JSONL file (plain, gzip or zstd) into staging.",
        discussion: """
            Each line is validated; bad lines are quarantined with their line number and reason and \
            the import goes on. Re-importing the same file changes nothing. An import that was \
            interrupted (killed, a full disk) goes on after the last line it committed when the same, \
            unchanged file is imported again (not with --full, which must read every line;
            --restart reads from line 1). Exits 2 when any line was quarantined (see 'mediagw quarantine').
            """
    )

    @Argument(help: ArgumentHelp("The JSONL file, or - for standard input.", valueName: "file"))
    var file: String

    @Option(
        help: ArgumentHelp("Source name the records belong to (lower-case letters, digits, dashes).", valueName: "name")
    )
    var source: String

    @Flag(help: "The file is the source's full listing: tombstone the source's records it lacks.")
    var full = false

    @Option(help: ArgumentHelp("Lines per committed page.", valueName: "n"))
    var pageSize = 1000

    @Flag(help: "Read from line 1 even when an earlier import of this file was interrupted.")
    var restart = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "No progress on standard error (a bar on a terminal, a line every 10 s elsewhere).")
    var noProgress = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard CatalogImporter.isValidSourceName(source) else {
            throw ValidationError("--source '\(source)' must be lower-case letters, digits and dashes")
        }
        guard (1...100_000).contains(pageSize) else { throw ValidationError("--page-size must be 1…100000") }
    }

    func run() async throws {
        let logger = common.makeLogger()
        let progress = ProgressReporter(label: "import \(source)", enabled: !noProgress && !json)
        defer { progress.finish() }
        let summary = try await exitOnError {
            let store = try StagingStore(path: common.staging)
            var importer = CatalogImporter(
                source: source,
                pageSize: pageSize,
                isFullListing: full,
                resumes: !restart,
                logger: logger
            )
            importer.onProgress = { progress.report($0) }
            return try importer.importFile(file, into: store)
        }
        progress.finish()
        if json {
            print(String(decoding: try JSONEncoder.pretty.encode(summary), as: UTF8.self))
        } else {
            let counts = summary.counts
            if let resumed = summary.resumedAfterLine {
                print(
                    "resumed after line \(resumed), where an interrupted import of this file stopped (--restart reads it whole)"
                )
            }
            var line =
                "imported \(file == "-" ? "standard input" : file) as '\(source)': read \(counts.read), new \(counts.new), "
                + "changed \(counts.changed), unchanged \(counts.unchanged), quarantined \(counts.quarantined)"
            if full { line += ", tombstoned \(counts.tombstoned)" }
            print(line)
            if !summary.unknownFields.isEmpty {
                let fields = summary.unknownFields.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value) lines)" }
                print("ignored unknown fields: " + fields.joined(separator: ", "))
            }
            if counts.quarantined > 0 {
                print("see the quarantined lines with: mediagw quarantine --source \(source)")
            }
        }
        if summary.counts.quarantined > 0 { throw ExitCode(ExitStatus.partial) }
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static var compact: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
