import Foundation
import Jobs
import Synchronization
import TestSupport
import Testing

/// The scheduler's child processes, and its stop, without the CLI.
@Suite struct SchedulerTests {
    @Test func theSupervisorTracksEachJobsChildAndStopsThemAll() async throws {
        let supervisor = Supervisor(executable: "/usr/bin/python3")
        let exits = Mutex<[String: Int32]>([:])
        try supervisor.start("quick", arguments: ["-c", "raise SystemExit(3)"]) { status in
            exits.withLock { $0["quick"] = status }
        }
        // SIGTERM with its default meaning and unblocked, whatever this test process left it as
        // (libdispatch's signal sources block it, and children inherit the mask).
        let long =
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_DFL); "
            + "signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM]); time.sleep(600)"
        try supervisor.start("long", arguments: ["-c", long]) { status in exits.withLock { $0["long"] = status } }
        #expect(supervisor.isRunning("long"))
        // A child that ends is no longer running, and its status is reported.
        let deadline = Date().addingTimeInterval(300)
        while supervisor.isRunning("quick") && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(supervisor.running == ["long"])
        #expect(exits.withLock { $0["quick"] } == 3)
        supervisor.terminateAll()
        await supervisor.waitAll()
        #expect(supervisor.running.isEmpty)
        #expect(exits.withLock { $0["long"] } == 15, "ended by SIGTERM")
    }

    @Test func aSchedulerToldToStopStartsNothingAndSaysSo() async throws {
        let lines = Mutex<[String]>([])
        let scheduler = Scheduler(
            jobsDirectory: temporaryPath("jobs"),
            executable: "/bin/false",
            arguments: { [$0] },
            logger: logger,
            output: { line in lines.withLock { $0.append(line) } }
        )
        let hourly = try JobConfiguration.parse(
            "ingest: [{connector: justwatch}]\nschedule: {cron: '0 * * * *'}\n",
            file: "jobs/hourly.yml"
        )
        let pauses = Mutex(0)
        await scheduler.run([hourly]) { _ in
            pauses.withLock { $0 += 1 }
            return false
        }
        #expect(pauses.withLock { $0 } == 1)
        #expect(lines.withLock { $0 } == ["scheduler: stopping; waiting for 0 running jobs"])
    }
}
