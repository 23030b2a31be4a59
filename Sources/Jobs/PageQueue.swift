import Synchronization

/// Pages handed from a stream's fetching task to its committing task.
///
/// The fetcher puts pages one at a time and waits while `capacity` are waiting; the committer
/// takes everything waiting at once. When fetching and parsing outrun the commit (recorded
/// responses, a fast provider), pages pile up and commit in groups, one transaction each; when
/// the network is the slower side, each page commits as soon as it arrives. Either way the
/// slower side never waits for the faster one. One fetcher and one committer per queue.
final class PageQueue<Element: Sendable, End: Sendable>: Sendable {
    private struct State {
        var waiting: [Element] = []
        var end: End?
        var finished = false
        /// The committer has gone: puts are refused.
        var closed = false
        var taker: CheckedContinuation<Void, Never>?
        var putter: CheckedContinuation<Void, Never>?
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Adds a page, first waiting for room. False when the committer has gone.
    func put(_ element: Element) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let hasRoom = state.withLock { state in
                guard !state.closed && state.waiting.count >= capacity else { return true }
                state.putter = continuation
                return false
            }
            if hasRoom { continuation.resume() }
        }
        let (added, taker) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !state.closed else { return (false, nil) }
            state.waiting.append(element)
            defer { state.taker = nil }
            return (true, state.taker)
        }
        taker?.resume()
        return added
    }

    /// The fetcher is done: `end` says how. Pages put before stay to be taken.
    func finish(_ end: End) {
        let taker = state.withLock { state in
            state.end = end
            state.finished = true
            defer { state.taker = nil }
            return state.taker
        }
        taker?.resume()
    }

    /// Every page waiting (at least one), or the end once none are left to take. The end comes
    /// with the last pages when they are taken together.
    func take() async -> (pages: [Element], end: End?) {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state in
                guard state.waiting.isEmpty && !state.finished else { return true }
                state.taker = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        let (pages, end, putter) = state.withLock { state in
            defer {
                state.waiting = []
                state.putter = nil
            }
            return (state.waiting, state.end, state.putter)
        }
        putter?.resume()
        return (pages, end)
    }

    /// The committer has gone (it failed or finished): a waiting or later put returns false.
    func close() {
        let putter = state.withLock { state in
            state.closed = true
            defer { state.putter = nil }
            return state.putter
        }
        putter?.resume()
    }
}
