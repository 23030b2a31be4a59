import ArgumentParser
import Foundation
import Jobs
import Logging
import MediaModel

/// The `mediagw` command: parses arguments and hands off to the library modules.
@main
struct Mediagw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keep a searchable index of what is watchable where.",
        version: MediagwVersion.current,
        subcommands: [
            ImportCommand.self, BuildCommand.self, SnapshotCommand.self, ServeCommand.self, RunsCommand.self,
            QuarantineCommand.self, EmbedCommand.self, IngestCommand.self, SimulateCommand.self, JobsCommand.self,
            RunCommand.self, BackfillCommand.self, CronCommand.self, ScheduleCommand.self, ReprocessCommand.self,
            ResolveCommand.self, QuotaCommand.self,
        ]
    )
}

/// Options every command shares: where state lives and how to log.
struct CommonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Staging database file.", valueName: "path"))
    var staging: String = Environment.value("MEDIAGW_STAGING") ?? "var/staging.sqlite"

    @Option(help: ArgumentHelp("Directory of published snapshots and the CURRENT pointer.", valueName: "dir"))
    var snapshots: String = Environment.value("MEDIAGW_SNAPSHOTS") ?? "snapshots"

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    /// Bootstraps logging once and returns the root logger.
    func makeLogger() -> Logger {
        LogSetup.bootstrap(format: logFormat, level: logLevel)
        return Logger(label: "mediagw")
    }
}

enum Environment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Runs `body`, turning a ``MediaError`` into its message on stderr and its documented exit status.
func exitOnError<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as MediaError {
        FileHandleOutput.standardError("mediagw: \(error.message)")
        throw ExitCode(error.code.exitStatus)
    }
}
