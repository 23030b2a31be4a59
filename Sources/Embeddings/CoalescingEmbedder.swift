import Dispatch
import Synchronization

/// Embeds the texts of concurrent callers together, in one call to the model.
///
/// A call of one short query reads every weight of the model for a dozen tokens; a call of
/// sixteen queries reads them once for all of them and costs about half as much a query
/// (docs/benchmarks.md, "Queries embedded together"). Under load the daemon's searches
/// arrive faster than the model answers them, so texts that arrive while the model is busy
/// wait and go into its next call; a text that arrives when a lane is free goes at once, so
/// one query alone is not delayed.
///
/// At most `lanes` calls run at once, each on a task preferring `executor` (the daemon's search
/// threads), taking up to `maximumBatch` texts in arrival order. At most `queueLimit` texts
/// wait; more are refused (``Refusal/queueFull``) at once rather than wait without bound. Calls of
/// `maximumBatch` texts or more (a build's) go to the model directly. A text that waited longer
/// than `deadline` is refused rather than embedded for a client that has likely gone, even while
/// the model hangs: its timer runs on a Dispatch queue of its own, and a lane refuses late texts
/// when it takes a batch.
public final class CoalescingEmbedder: Embedder, Sendable {
    /// Why a text was not embedded; the caller should answer "busy, try again".
    public enum Refusal: Error, CustomStringConvertible {
        /// `queueLimit` texts were already waiting.
        case queueFull
        /// The text waited longer than `deadline` for the model.
        case deadlineExceeded

        public var description: String {
            switch self {
            case .queueFull: "too many query texts are waiting for the embedding model"
            case .deadlineExceeded: "the query text waited longer than its deadline for the embedding model"
            }
        }
    }

    /// What the coalescing did so far, for metrics.
    public struct Counts: Sendable, Equatable {
        /// Calls made to the model.
        public var calls = 0
        /// Texts embedded by those calls.
        public var texts = 0
        /// Texts waiting now.
        public var waiting = 0
    }

    public let base: any Embedder
    public let lanes: Int
    public let maximumBatch: Int
    public let queueLimit: Int
    public let deadline: Duration
    public var modelID: String { base.modelID }
    public var dimension: Int { base.dimension }
    private let executor: (any TaskExecutor)?

    private struct Waiting {
        var id: UInt64
        var texts: [String]
        var enqueuedAt: ContinuousClock.Instant
        var continuation: CheckedContinuation<[[Float]], any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var running = 0
        var nextID: UInt64 = 0
        var counts = Counts()
    }

    private let state = Mutex(State())
    private let deadlines = DispatchQueue(label: "mediagw.embedding-deadlines")

    public init(
        _ base: any Embedder,
        lanes: Int,
        maximumBatch: Int = 16,
        queueLimit: Int = 256,
        deadline: Duration = .seconds(2),
        executor: (any TaskExecutor)? = nil
    ) {
        self.base = base
        self.lanes = max(1, lanes)
        self.maximumBatch = max(1, maximumBatch)
        self.queueLimit = max(1, queueLimit)
        self.deadline = deadline
        self.executor = executor
    }

    public var counts: Counts { state.withLock { $0.counts } }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        guard texts.count < maximumBatch else { return try await base.embed(texts) }
        return try await withCheckedThrowingContinuation { continuation in
            enum Outcome {
                case refused
                case startsLane
                case waits(UInt64)
            }
            let outcome: Outcome = state.withLock { state in
                guard state.counts.waiting + texts.count <= queueLimit else { return .refused }
                state.nextID += 1
                state.waiting.append(
                    Waiting(id: state.nextID, texts: texts, enqueuedAt: .now, continuation: continuation)
                )
                state.counts.waiting += texts.count
                guard state.running < lanes else { return .waits(state.nextID) }
                state.running += 1
                return .startsLane
            }
            switch outcome {
            case .refused: continuation.resume(throwing: Refusal.queueFull)
            case .startsLane: Task(executorPreference: executor) { await self.runLane() }
            case .waits(let id):
                // A model that hangs takes nothing more; the deadline still holds for whoever waits.
                // The timer is Dispatch's, not a task: a model call may hold every thread of
                // `executor`, and busy tasks every thread of the cooperative pool.
                let (seconds, attoseconds) = deadline.components
                let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
                deadlines.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { self.expire(id) }
            }
        }
    }

    private func expire(_ id: UInt64) {
        let expired = state.withLock { state -> Waiting? in
            guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
            state.counts.waiting -= state.waiting[index].texts.count
            return state.waiting.remove(at: index)
        }
        expired?.continuation.resume(throwing: Refusal.deadlineExceeded)
    }

    /// Takes the waiting texts in arrival order, up to `maximumBatch` a call, until none wait;
    /// then the lane ends (the next text to arrive starts one again).
    private func runLane() async {
        while true {
            let (batch, late) = state.withLock { state -> ([Waiting], [Waiting]) in
                let now = ContinuousClock.now
                let late = state.waiting.filter { now - $0.enqueuedAt > deadline }
                if !late.isEmpty {
                    state.waiting.removeAll { now - $0.enqueuedAt > deadline }
                    state.counts.waiting -= late.reduce(0) { $0 + $1.texts.count }
                }
                var taken = 0
                var texts = 0
                for waiting in state.waiting {
                    guard taken == 0 || texts + waiting.texts.count <= maximumBatch else { break }
                    taken += 1
                    texts += waiting.texts.count
                }
                let batch = Array(state.waiting.prefix(taken))
                state.waiting.removeFirst(taken)
                state.counts.waiting -= texts
                if batch.isEmpty {
                    state.running -= 1
                } else {
                    state.counts.calls += 1
                    state.counts.texts += texts
                }
                return (batch, late)
            }
            for waiting in late { waiting.continuation.resume(throwing: Refusal.deadlineExceeded) }
            guard !batch.isEmpty else { return }
            do {
                let texts = batch.flatMap(\.texts)
                let vectors = try await base.embed(texts)
                guard vectors.count == texts.count else {
                    throw EmbeddingCountMismatch(expected: texts.count, received: vectors.count)
                }
                var start = 0
                for waiting in batch {
                    waiting.continuation.resume(returning: Array(vectors[start..<(start + waiting.texts.count)]))
                    start += waiting.texts.count
                }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
            // The threads are shared with the searches of the texts just embedded; let the
            // work queued on them run before the next call, or those searches would wait until
            // no text is left, and texts would arrive too few at a time to embed together.
            await Task.yield()
        }
    }
}

/// A model returned a different number of vectors than it was given texts.
struct EmbeddingCountMismatch: Error, CustomStringConvertible {
    let expected: Int
    let received: Int
    var description: String { "the embedding model returned \(received) vectors for \(expected) texts" }
}
