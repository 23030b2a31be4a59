import Embeddings
import MediaModel
import Synchronization
import TestSupport
import Testing

/// A model that holds every call until opened, and records what each call was given.
private final class HeldModel: Embedder, Sendable {
    let modelID = "held"
    let dimension = 8
    private let vectors = RecordingEmbedder()
    private let state = Mutex((calls: [[String]](), isOpen: false, failure: false))

    var calls: [[String]] { state.withLock { $0.calls } }
    func open(failing: Bool = false) { state.withLock { $0 = ($0.calls, true, failing) } }

    struct Failure: Error {}

    func embed(_ texts: [String]) async throws -> [[Float]] {
        state.withLock { $0.calls.append(texts) }
        while !state.withLock({ $0.isOpen }) { try await Task.sleep(for: .milliseconds(5)) }
        if state.withLock({ $0.failure }) { throw Failure() }
        return try await vectors.embed(texts)
    }
}

/// Waits (up to 30 s, which only a broken queue takes) until `condition` holds.
private func eventually(_ condition: () -> Bool) async throws {
    for _ in 0..<6_000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
    #expect(condition())
}

/// The lanes, and the tests' own tasks, run on threads of their own, as the daemon's lanes run
/// on its search threads: tests running alongside may hold the cooperative pool for seconds.
private let lanes = WorkerThreads(count: 2, name: "coalescing-tests")

/// The daemon's embedding queue: queries that arrive while the model is busy go in its next
/// call together, in arrival order, bounded in number and waiting time.
@Suite struct CoalescingEmbedderTests {
    @Test func textsThatArriveWhileTheModelIsBusyAreEmbeddedTogether() async throws {
        try await withTaskExecutorPreference(lanes) {
            let model = HeldModel()
            let queue = CoalescingEmbedder(
                model,
                lanes: 1,
                maximumBatch: 4,
                queueLimit: 16,
                deadline: .seconds(600),
                executor: lanes
            )
            let first = Task(executorPreference: lanes) { try await queue.embed(["alien"]) }
            try await eventually { model.calls.count == 1 }
            let texts = ["heat", "jaws", "dune", "up", "ran", "big"]
            let waiting = texts.map { text in
                Task(executorPreference: lanes) { (text, try await queue.embed([text])) }
            }
            try await eventually { queue.counts.waiting == texts.count }
            #expect(model.calls.count == 1, "nothing else goes to a busy model")
            model.open()
            let expected = try await RecordingEmbedder().embed(["alien"] + texts)
            #expect(try await first.value == [expected[0]])
            for task in waiting {
                let (text, vector) = try await task.value
                #expect(vector == [expected[1 + texts.firstIndex(of: text)!]], "each caller gets its own text's vector")
            }
            #expect(model.calls.map(\.count) == [1, 4, 2], "up to maximumBatch texts a call")
            #expect(Set(model.calls.dropFirst().joined()) == Set(texts))
            #expect(queue.counts.calls == 3 && queue.counts.texts == 7 && queue.counts.waiting == 0)
            // A text alone goes at once, and a build's large call goes to the model whole.
            _ = try await queue.embed(["solo"])
            _ = try await queue.embed(Array(repeating: "doc", count: 9))
            #expect(model.calls.suffix(2).map(\.count) == [1, 9])
        }
    }

    // The calls expected to be refused are awaited only after the model opens, so that a
    // queue which wrongly lets them wait fails these tests instead of hanging them.

    @Test func aFullQueueRefusesAtOnce() async throws {
        try await withTaskExecutorPreference(lanes) {
            let model = HeldModel()
            let queue = CoalescingEmbedder(model, lanes: 1, queueLimit: 2, deadline: .seconds(600), executor: lanes)
            let first = Task(executorPreference: lanes) { try await queue.embed(["alien"]) }
            try await eventually { model.calls.count == 1 }
            let waiting = ["heat", "jaws"].map { text in
                Task(executorPreference: lanes) { try await queue.embed([text]) }
            }
            try await eventually { queue.counts.waiting == 2 }
            let refused = Task(executorPreference: lanes) { try await queue.embed(["dune"]) }
            try await Task.sleep(for: .milliseconds(50))
            model.open()
            await #expect(throws: CoalescingEmbedder.Refusal.queueFull) { try await refused.value }
            _ = try await first.value
            for task in waiting { #expect(try await task.value.count == 1) }
            #expect(!model.calls.joined().contains("dune"))
        }
    }

    @Test func aTextThatWaitedPastItsDeadlineIsRefusedEvenWhileTheModelHangs() async throws {
        try await withTaskExecutorPreference(lanes) {
            let model = HeldModel()
            let queue = CoalescingEmbedder(model, lanes: 1, deadline: .milliseconds(500), executor: lanes)
            let first = Task(executorPreference: lanes) { try await queue.embed(["alien"]) }
            try await eventually { model.calls.count == 1 }
            let late = Task(executorPreference: lanes) {
                do {
                    return (Result<[[Float]], any Error>.success(try await queue.embed(["heat"])), ContinuousClock.now)
                } catch {
                    return (.failure(error), ContinuousClock.now)
                }
            }
            try await Task.sleep(for: .seconds(2))
            let opened = ContinuousClock.now
            model.open()
            let (result, answered) = await late.value
            #expect(throws: CoalescingEmbedder.Refusal.deadlineExceeded) { try result.get() }
            #expect(answered < opened, "refused while the model still held its call")
            #expect(queue.counts.waiting == 0)
            #expect(try await first.value.count == 1)
            #expect(model.calls == [["alien"]], "the refused text never reached the model")
        }
    }

    @Test func aFailedCallFailsEveryTextInIt() async throws {
        try await withTaskExecutorPreference(lanes) {
            let model = HeldModel()
            let queue = CoalescingEmbedder(model, lanes: 1, deadline: .seconds(600), executor: lanes)
            let first = Task(executorPreference: lanes) { try await queue.embed(["alien"]) }
            try await eventually { model.calls.count == 1 }
            let waiting = ["heat", "jaws"].map { text in
                Task(executorPreference: lanes) { try await queue.embed([text]) }
            }
            try await eventually { queue.counts.waiting == 2 }
            model.open(failing: true)
            await #expect(throws: HeldModel.Failure.self) { try await first.value }
            for task in waiting { await #expect(throws: HeldModel.Failure.self) { try await task.value } }
            #expect(model.calls.map(\.count) == [1, 2])
        }
    }
}
