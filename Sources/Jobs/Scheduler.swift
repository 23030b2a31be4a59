import Foundation
import Logging
import MediaModel

/// `mediagw schedule`: starts each job's `mediagw run` as a child process when its schedule is
/// due, never two runs of one job at once, re-reading the job files every minute; when told to
/// stop it stops starting jobs, sends the running ones SIGTERM and waits for them.
public struct Scheduler: Sendable {
    public var jobsDirectory: String
    /// The `mediagw` binary the children run.
    public var executable: String
    /// A job's command line after the binary.
    public var arguments: @Sendable (String) -> [String]
    public var logger: Logger
    /// Where the scheduler's lines go (started, exited, stopping).
    public var output: @Sendable (String) -> Void

    public init(
        jobsDirectory: String,
        executable: String,
        arguments: @escaping @Sendable (String) -> [String],
        logger: Logger,
        output: @escaping @Sendable (String) -> Void = { print($0) }
    ) {
        self.jobsDirectory = jobsDirectory
        self.executable = executable
        self.arguments = arguments
        self.logger = logger
        self.output = output
    }

    /// Starts due jobs as child processes until `pause` says to stop, re-reading the job files
    /// every minute; then stops the running jobs and waits for them.
    ///
    /// `pause` sleeps up to the given seconds and says whether to go on (false once the
    /// scheduler is to stop; `mediagw schedule` answers it from a graceful shutdown).
    public func run(_ loaded: [JobConfiguration], pause: (Double) async -> Bool) async {
        var jobs = loaded
        let supervisor = Supervisor(executable: executable)
        var planner = SchedulePlanner()
        var lastReload = Date()
        var goOn = true
        while goOn {
            let now = Date()
            if now.timeIntervalSince(lastReload) >= 60 {
                lastReload = now
                do {
                    jobs = try JobConfiguration.loadAll(directory: jobsDirectory)
                } catch {
                    logger.error("keeping the previous job files: \((error as? MediaError)?.message ?? "\(error)")")
                }
            }
            let decision = planner.check(jobs, now: now, running: Set(supervisor.running))
            if decision.rescheduled { logger.warning("the clock was set back; every job is rescheduled from now") }
            for name in decision.skipped {
                logger.warning("job \(name) is due but its previous run is still going; skipped")
            }
            for name in decision.start {
                output("\(now.formatted(.iso8601)) starting job \(name)")
                do {
                    try supervisor.start(name, arguments: arguments(name)) { status in
                        output("\(Date().formatted(.iso8601)) job \(name) exited \(status)")
                    }
                } catch {
                    logger.error("cannot start job \(name): \(error)")
                }
            }
            let seconds = min(max((decision.nextDue ?? now.addingTimeInterval(30)).timeIntervalSinceNow, 0.2), 30)
            goOn = await pause(seconds)
        }
        output("scheduler: stopping; waiting for \(supervisor.running.count) running jobs")
        supervisor.terminateAll()
        await supervisor.waitAll()
    }
}

/// Child `mediagw run` processes of the scheduler, by job.
public final class Supervisor: @unchecked Sendable {
    private let lock = NSLock()
    private var processes: [String: Process] = [:]
    /// The binary each child runs.
    public let executable: String

    public init(executable: String) {
        self.executable = executable
    }

    public var running: [String] { lock.withLock { Array(processes.keys) } }

    public func isRunning(_ job: String) -> Bool { lock.withLock { processes[job] != nil } }

    public func start(_ job: String, arguments: [String], exited: @escaping @Sendable (Int32) -> Void) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
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

    public func terminateAll() {
        lock.withLock { for process in processes.values { process.terminate() } }
    }

    public func waitAll() async {
        while !running.isEmpty { try? await Task.sleep(for: .milliseconds(100)) }
    }
}
