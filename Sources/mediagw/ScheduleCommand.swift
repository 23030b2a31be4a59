import ArgumentParser
import Foundation
import Jobs
import Logging
import MediaModel

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
        var jobs = try await exitOnError { try JobConfiguration.loadAll(directory: files.jobs) }
        let supervisor = Supervisor()
        let stop = SignalFlag()
        var planner = SchedulePlanner()
        var lastReload = Date()
        FileHandleOutput.standardOutput(
            "scheduler: \(jobs.filter { $0.schedule != nil }.count) scheduled jobs; SIGTERM stops"
        )
        while !stop.isSet {
            let now = Date()
            if now.timeIntervalSince(lastReload) >= 60 {
                lastReload = now
                do {
                    jobs = try JobConfiguration.loadAll(directory: files.jobs)
                } catch let error as MediaError {
                    logger.error("keeping the previous job files: \(error.message)")
                }
            }
            let decision = planner.check(jobs, now: now, running: Set(supervisor.running))
            if decision.rescheduled { logger.warning("the clock was set back; every job is rescheduled from now") }
            for name in decision.skipped {
                logger.warning("job \(name) is due but its previous run is still going; skipped")
            }
            for name in decision.start {
                FileHandleOutput.standardOutput("\(now.formatted(.iso8601)) starting job \(name)")
                do {
                    try supervisor.start(name, arguments: runArguments(name)) { status in
                        FileHandleOutput.standardOutput("\(Date().formatted(.iso8601)) job \(name) exited \(status)")
                    }
                } catch {
                    logger.error("cannot start job \(name): \(error)")
                }
            }
            let pause = min(max((decision.nextDue ?? now.addingTimeInterval(30)).timeIntervalSinceNow, 0.2), 30)
            await stop.wait(seconds: pause)
        }
        FileHandleOutput.standardOutput("scheduler: stopping; waiting for \(supervisor.running.count) running jobs")
        supervisor.terminateAll()
        await supervisor.waitAll()
    }

    func runArguments(_ job: String) -> [String] {
        [
            "run", job, "--jobs", files.jobs, "--connectors", files.connectors, "--staging", common.staging,
            "--snapshots", common.snapshots, "--log-format", common.logFormat.rawValue, "--log-level",
            common.logLevel.rawValue, "--no-progress",
        ]
    }
}

/// This process's executable, as an absolute path.
enum Executable {
    static func path() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}

/// Child `mediagw run` processes of the scheduler, by job.
final class Supervisor: @unchecked Sendable {
    private let lock = NSLock()
    private var processes: [String: Process] = [:]

    var running: [String] { lock.withLock { Array(processes.keys) } }

    func isRunning(_ job: String) -> Bool { lock.withLock { processes[job] != nil } }

    func start(_ job: String, arguments: [String], exited: @escaping @Sendable (Int32) -> Void) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Executable.path())
        process.arguments = arguments
        process.terminationHandler = { [weak self] finished in
            self?.lock.withLock { _ = self?.processes.removeValue(forKey: job) }
            exited(finished.terminationStatus)
        }
        // Registered before it starts, so that a run that ends at once is also removed.
        lock.withLock { processes[job] = process }
        do {
            try process.run()
        } catch {
            lock.withLock { _ = processes.removeValue(forKey: job) }
            throw error
        }
    }

    func terminateAll() {
        lock.withLock { for process in processes.values { process.terminate() } }
    }

    func waitAll() async {
        while !running.isEmpty { try? await Task.sleep(for: .milliseconds(100)) }
    }
}

/// Set once SIGTERM or SIGINT arrives; `wait` returns early when it does.
final class SignalFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false
    private var signals: TerminationSignals?

    init() {
        signals = TerminationSignals { [weak self] in self?.lock.withLock { self?.set = true } }
    }

    var isSet: Bool { lock.withLock { set } }

    func wait(seconds: TimeInterval) async {
        let end = Date().addingTimeInterval(seconds)
        while !isSet && Date() < end { try? await Task.sleep(for: .milliseconds(100)) }
    }
}
