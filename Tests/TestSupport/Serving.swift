import Logging
import ServiceLifecycle
import Testing

/// Runs `service` (an HTTP application bound to port 0) until `body` is done, handing `body` the
/// port the service reports on `ports`; then shuts it down gracefully, also when `body` throws.
public func whileServing(
    _ service: some Service,
    ports: AsyncStream<Int>,
    logger: Logger,
    _ body: (Int) async throws -> Void
) async throws {
    let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        do {
            try await body(port)
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
