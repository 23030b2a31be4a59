import Dispatch
import Foundation

extension Array where Element: Sendable {
    /// `map` spread over the machine's cores in contiguous chunks; results keep their order.
    /// For CPU-bound, independent work such as JSON encoding and decoding of many records.
    public func parallelMap<Result: Sendable>(_ transform: @Sendable (Element) throws -> Result) throws -> [Result] {
        let wanted = Swift.min(count, Swift.max(1, Foundation.ProcessInfo.processInfo.activeProcessorCount * 4))
        guard wanted > 1 else { return try map(transform) }
        let chunkSize = (count + wanted - 1) / wanted
        // Recount: with rounded-up chunks the last ones may be empty, so fewer are needed.
        let chunkCount = (count + chunkSize - 1) / chunkSize
        let results = ChunkResults<Result>(count: chunkCount)
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let range = (chunk * chunkSize)..<Swift.min(count, (chunk + 1) * chunkSize)
            results.store(chunk, Result: { try self[range].map(transform) })
        }
        return try results.joined()
    }
}

extension Array where Element: Sendable {
    /// ``parallelMap(_:)`` with state each worker's chunk keeps between its elements (a cache
    /// of work the elements share), made by `start` for every chunk.
    public func parallelMap<State, Result: Sendable>(
        state start: @Sendable () -> State,
        _ transform: @Sendable (inout State, Element) -> Result
    ) -> [Result] {
        let wanted = Swift.min(count, Swift.max(1, Foundation.ProcessInfo.processInfo.activeProcessorCount * 4))
        guard wanted > 1 else {
            var state = start()
            return map { transform(&state, $0) }
        }
        let chunkSize = (count + wanted - 1) / wanted
        let chunkCount = (count + chunkSize - 1) / chunkSize
        let results = ChunkResults<Result>(count: chunkCount)
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let range = (chunk * chunkSize)..<Swift.min(count, (chunk + 1) * chunkSize)
            results.store(chunk) {
                var state = start()
                return self[range].map { transform(&state, $0) }
            }
        }
        do {
            return try results.joined()
        } catch {
            preconditionFailure("a non-throwing transform threw \(error)")
        }
    }

    /// ``parallelMap(_:)`` for a transform that cannot fail.
    public func parallelMap<Result: Sendable>(_ transform: @Sendable (Element) -> Result) -> [Result] {
        do {
            return try parallelMap { (element: Element) throws -> Result in transform(element) }
        } catch {
            preconditionFailure("a non-throwing transform threw \(error)")
        }
    }
}

/// Per-chunk results written by concurrent workers, each slot by exactly one worker.
private final class ChunkResults<Result>: @unchecked Sendable {
    private var slots: [Swift.Result<[Result], any Error>?]

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    func store(_ index: Int, Result body: () throws -> [Result]) {
        let outcome = Swift.Result { try body() }
        slots.withUnsafeMutableBufferPointer { $0[index] = outcome }
    }

    func joined() throws -> [Result] {
        var all: [Result] = []
        for slot in slots { all += try slot!.get() }
        return all
    }
}
