import Foundation

/// A fixed set of threads that run the tasks preferring them (`withTaskExecutorPreference`).
///
/// In the daemon, search and query embedding are CPU work of milliseconds each. Run on Swift's cooperative
/// pool (one thread per core) they would occupy every thread under load, and `/healthz` would
/// wait behind them; on these threads they leave the cooperative pool and the event loops free
/// to answer liveness, readiness and metrics at once. ``stop()`` ends the threads once the jobs
/// already queued have run (the server's lifecycle calls it at shutdown).
public final class WorkerThreads: TaskExecutor, @unchecked Sendable {
    private final class Queue: @unchecked Sendable {
        let condition = NSCondition()
        var jobs: [UnownedJob] = []
        var next = 0
        var isStopping = false

        /// The next job, or nil once stopping with nothing left.
        func take() -> UnownedJob? {
            condition.lock()
            defer { condition.unlock() }
            while next == jobs.count && !isStopping { condition.wait() }
            guard next < jobs.count else { return nil }
            let job = jobs[next]
            next += 1
            // Drop what was run once the array is mostly done, keeping appends cheap.
            if next > 64 && next * 2 > jobs.count {
                jobs.removeFirst(next)
                next = 0
            }
            return job
        }
    }

    private let queue = Queue()
    public let count: Int

    public init(count: Int, name: String) {
        self.count = max(1, count)
        for index in 0..<self.count {
            let thread = Thread { [queue, self] in
                while let job = queue.take() {
                    job.runSynchronously(on: self.asUnownedTaskExecutor())
                }
            }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Lets the threads end after the jobs already queued.
    public func stop() {
        queue.condition.lock()
        queue.isStopping = true
        queue.condition.broadcast()
        queue.condition.unlock()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.condition.lock()
        let isStopping = queue.isStopping
        if !isStopping {
            queue.jobs.append(job)
            queue.condition.signal()
        }
        queue.condition.unlock()
        // A late job (a task that outlived the server) still runs rather than hang forever.
        if isStopping {
            Thread { [self] in job.runSynchronously(on: self.asUnownedTaskExecutor()) }.start()
        }
    }
}
