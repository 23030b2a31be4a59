import Foundation
import Staging
import Testing

@testable import Jobs

#if canImport(Glibc)
    import Glibc
#endif

struct JobLockTests {
    func store() throws -> StagingStore {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("locks-\(UUID()).sqlite").path
        return try StagingStore(path: path)
    }

    /// A process that has exited: its pid names nobody (or somebody else) now.
    func deadPID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func aLiveHolderKeepsTheLockAndASecondRunIsRefused() async throws {
        let store = try store()
        let first = JobLock(store: store)
        #expect(try await first.acquire(job: "nightly") == nil)
        // Another process of this machine: same rules, different identity.
        var other = JobLock.currentProcess()
        other.processStart = "another-process"
        let second = JobLock(store: store, holder: other)
        await #expect(throws: JobLock.Held.self) { try await second.acquire(job: "nightly") }
        // Waiting gives up after the wait, still refused.
        let started = Date()
        await #expect(throws: JobLock.Held.self) { try await second.acquire(job: "nightly", wait: 0.6) }
        #expect(Date().timeIntervalSince(started) >= 0.5)
        // Other jobs are not affected.
        #expect(try await second.acquire(job: "youtube") == nil)
        // Released: the next run takes it.
        first.release(job: "nightly")
        #expect(try await second.acquire(job: "nightly") == nil)
    }

    @Test func aWaitingRunTakesTheLockWhenTheHolderFinishes() async throws {
        let store = try store()
        let first = JobLock(store: store)
        try await first.acquire(job: "nightly")
        var other = JobLock.currentProcess()
        other.processStart = "another-process"
        let second = JobLock(store: store, holder: other)
        // Released from outside the cooperative pool, which parallel tests may keep busy.
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { first.release(job: "nightly") }
        #expect(try await second.acquire(job: "nightly", wait: 120) == nil)
        #expect(try store.locks()["nightly"]?.processStart == "another-process")
    }

    @Test func aLockLeftByADeadProcessIsTakenOver() async throws {
        let store = try store()
        let dead = LockHolder(
            pid: try deadPID(),
            processStart: "gone",
            host: JobLock.hostName(),
            acquiredAt: "2026-11-26T00:00:00Z"
        )
        _ = try store.acquireLock(job: "nightly", holder: dead) { _ in false }
        let previous = try await JobLock(store: store).acquire(job: "nightly")
        #expect(previous == dead)
        #expect(try store.locks()["nightly"]?.pid == getpid())
    }

    @Test func aReusedPIDIsNotMistakenForTheHolder() async throws {
        let store = try store()
        // Our own pid, but recorded with another start time: the holder was an earlier process.
        var earlier = JobLock.currentProcess()
        earlier.processStart = "boot:1"
        _ = try store.acquireLock(job: "nightly", holder: earlier) { _ in false }
        #expect(JobLock.isStale(earlier))
        #expect(!JobLock.isStale(JobLock.currentProcess()))
        #expect(try await JobLock(store: store).acquire(job: "nightly") == earlier)
    }

    @Test func aHolderOnAnotherHostIsNeverTakenOver() {
        var remote = JobLock.currentProcess()
        remote.host = "elsewhere.example"
        remote.processStart = "gone"
        #expect(!JobLock.isStale(remote))
    }
}
