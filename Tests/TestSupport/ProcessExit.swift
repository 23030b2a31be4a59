import Foundation

extension Process {
    /// Waits for the process to end without blocking a thread: a test that blocked in
    /// `waitUntilExit()` would hold one of the few threads every in-process server and client of
    /// the other tests needs, and a busy run would then time them out.
    public func exited() async {
        while isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        waitUntilExit()  // ended: returns at once, and the status is settled
    }
}
