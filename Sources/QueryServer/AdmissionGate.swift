import Foundation
import Synchronization

/// Bounds the search work in flight: `permits` requests run at once, up to `queueLimit` more
/// wait their turn, and any other is refused at once. A request that waited longer than
/// `deadline` is refused when its turn comes rather than run for a client that has likely gone.
///
/// Refusing early keeps latency bounded under overload: a queue without a bound only turns
/// too much load into timeouts for everyone.
final class AdmissionGate: Sendable {
    /// Why a request was not admitted.
    enum Refusal: Error, Equatable {
        /// Every permit is taken and the queue is full.
        case queueFull
        /// The request waited past the deadline.
        case deadlineExceeded
    }

    private struct Waiter {
        var id: UInt64
        var enqueuedAt: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var available: Int
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
    }

    let permits: Int
    let queueLimit: Int
    let deadline: Duration
    private let state: Mutex<State>

    init(permits: Int, queueLimit: Int, deadline: Duration) {
        self.permits = max(1, permits)
        self.queueLimit = max(0, queueLimit)
        self.deadline = deadline
        state = Mutex(State(available: max(1, permits)))
    }

    /// Requests waiting for a permit.
    var queued: Int { state.withLock { $0.waiters.count } }

    /// Runs `body` once admitted; throws ``Refusal`` when not.
    func run<T>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<UInt64?, Refusal> = state.withLock { state in
                if state.available > 0 {
                    state.available -= 1
                    return .success(nil)
                }
                guard state.waiters.count < queueLimit else { return .failure(.queueFull) }
                state.nextID += 1
                state.waiters.append(Waiter(id: state.nextID, enqueuedAt: .now, continuation: continuation))
                return .success(state.nextID)
            }
            switch outcome {
            case .success(nil): continuation.resume()
            case .success(let id?):
                // Work that hangs (an embedding service that does not answer) releases nothing;
                // the deadline still holds for whoever waits behind it.
                Task { [deadline] in
                    try? await Task.sleep(for: deadline)
                    self.expire(id)
                }
            case .failure(let refusal): continuation.resume(throwing: refusal)
            }
        }
    }

    private func expire(_ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: Refusal.deadlineExceeded)
    }

    /// Hands the permit to the first waiter still within its deadline; those past it are refused.
    private func release() {
        let (next, late) = state.withLock { state -> (Waiter?, [Waiter]) in
            var late: [Waiter] = []
            let now = ContinuousClock.now
            while !state.waiters.isEmpty {
                let waiter = state.waiters.removeFirst()
                if now - waiter.enqueuedAt > deadline {
                    late.append(waiter)
                } else {
                    return (waiter, late)
                }
            }
            state.available += 1
            return (nil, late)
        }
        for waiter in late { waiter.continuation.resume(throwing: Refusal.deadlineExceeded) }
        next?.continuation.resume()
    }
}
