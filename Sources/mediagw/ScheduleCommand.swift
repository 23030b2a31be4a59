import ArgumentParser
import Foundation
import Jobs
import Logging
import MediaModel
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

struct CronCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron",
        abstract: "Write the schedule of every job for cron or systemd.",
        subcommands: [Render.self]
    )

    struct Render: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write cron/crontab and cron/systemd/mediagw-<job>.{service,timer} for every scheduled job.",
            discussion: """
                Paths in the output are absolute. Install with `crontab cron/crontab`, or copy the \
                units to /etc/systemd/system and `systemctl enable --now mediagw-<job>.timer`.
                """
        )

        @Option(help: ArgumentHelp("Output directory.", valueName: "dir")) var output = "cron"
        @Option(help: ArgumentHelp("The mediagw binary to run (default: this one).", valueName: "path"))
        var binary: String?
        @Option(help: ArgumentHelp("Working directory of the runs (default: the current one).", valueName: "dir"))
        var workdir: String?
        @Option(help: ArgumentHelp("Environment file with the API keys.", valueName: "path"))
        var envFile = "/etc/mediagw/mediagw.env"
        @Option(help: ArgumentHelp("Directory for cron's log files.", valueName: "dir")) var logDir = "var/log"
        @Option(help: ArgumentHelp("User the systemd services run as.", valueName: "name")) var user: String?
        @OptionGroup var files: JobFileOptions
        @OptionGroup var resolution: ResolutionOptions
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await exitOnError {
                let jobs = try JobConfiguration.loadAll(directory: files.jobs)
                let renderer = ScheduleRenderer(
                    binary: binary ?? Executable.path(),
                    workingDirectory: workdir ?? FileManager.default.currentDirectoryPath,
                    jobsDirectory: files.jobs,
                    connectorsDirectory: files.connectors,
                    staging: common.staging,
                    snapshots: common.snapshots,
                    resolution: resolution.directory,
                    environmentFile: envFile,
                    logDirectory: logDir,
                    user: user
                )
                let rendered = renderer.render(jobs)
                for (name, text) in rendered.sorted(by: { $0.key < $1.key }) {
                    let path = "\(output)/\(name)"
                    do {
                        try FileManager.default.createDirectory(
                            atPath: (path as NSString).deletingLastPathComponent,
                            withIntermediateDirectories: true
                        )
                        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                    } catch {
                        throw MediaError(.io, "cannot write \(path): \(error.localizedDescription)")
                    }
                    FileHandleOutput.standardOutput("wrote \(path)")
                }
                let unscheduled = jobs.filter { $0.schedule == nil }.map(\.name)
                if !unscheduled.isEmpty {
                    FileHandleOutput.standardOutput(
                        "not scheduled (no 'schedule'): \(unscheduled.joined(separator: ", "))"
                    )
                }
            }
        }
    }
}

struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Run due jobs in the foreground, for machines without cron or systemd timers.",
        discussion: """
            Reads the job files, starts `mediagw run JOB` for each job when its cron expression is \
            due (in its time zone), never starts a job while its previous run is still going, and \
            re-reads the job files every minute. After a suspend, a job that fell due runs once. SIGTERM or SIGINT stops it: running jobs get \
            SIGTERM, stop at their request in flight with every committed page kept, and are waited for.
            """
    )

    @OptionGroup var files: JobFileOptions
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let logger = common.makeLogger()
        let jobs = try await exitOnError { try JobConfiguration.loadAll(directory: files.jobs) }
        let (directory, arguments) = (files.jobs, runArguments)
        FileHandleOutput.standardOutput(
            "scheduler: \(jobs.filter { $0.schedule != nil }.count) scheduled jobs; SIGTERM stops"
        )
        let scheduler = Scheduler(
            jobsDirectory: directory,
            executable: Executable.path(),
            arguments: arguments,
            logger: logger,
            output: { FileHandleOutput.standardOutput($0) }
        )
        try await Lifecycle.untilShutdown(logger: logger) {
            await scheduler.run(jobs) { seconds in
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
                return !Task.isShuttingDownGracefully
            }
        }
    }

    /// The command line of a scheduled job's `mediagw run`.
    var runArguments: @Sendable (String) -> [String] {
        let fixed = [
            "--jobs", files.jobs, "--connectors", files.connectors, "--staging", common.staging,
            "--snapshots", common.snapshots, "--log-format", common.logFormat.rawValue, "--log-level",
            common.logLevel.rawValue, "--no-progress",
        ]
        return { job in ["run", job] + fixed }
    }
}

/// This process's executable, as an absolute path.
enum Executable {
    static func path() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
