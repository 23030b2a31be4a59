import ArgumentParser
import Foundation
import Jobs
import Snapshots
import Staging

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Resolve what is staged into canonical titles and publish a snapshot.",
        discussion: """
            Writes the snapshot under a temporary name, fsyncs, verifies it reads back, renames it
            into place and swaps CURRENT; then keeps the newest --keep snapshots.
            """
    )

    @Option(help: "How many snapshots to keep (the current one is never deleted).")
    var keep = 5

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard keep >= 1 else { throw ValidationError("--keep must be at least 1") }
    }

    func run() async throws {
        let logger = common.makeLogger()
        let summary = try await exitOnError {
            let store = try StagingStore(path: common.staging)
            return try SnapshotBuilder(keep: keep, logger: logger)
                .build(from: store, into: SnapshotDirectory(path: common.snapshots))
        }
        if json {
            print(String(decoding: try JSONEncoder.pretty.encode(summary), as: UTF8.self))
        } else {
            print(
                "published \(summary.path): \(summary.titles) titles from \(summary.records) records, "
                    + "\(summary.bytes) bytes, \(String(format: "%.2f", summary.seconds)) s"
            )
        }
    }
}
