import Logging
import ServiceLifecycle
import Synchronization

/// `run` and `schedule` as swift-service-lifecycle services, like `serve`: SIGTERM and SIGINT
/// start a graceful shutdown instead of ending the process.
enum Lifecycle {
    /// Runs `body` until it returns; a termination signal cancels it, so streams stop at the
    /// request in flight (every committed page stays), the run is recorded and locks are
    /// released before it returns.
    static func cancellingOnShutdown<T: Sendable>(
        logger: Logger,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let service = OneShot(body: body)
        try await run(service, logger: logger)
        guard let value = service.value.withLock({ $0 }) else { throw CancellationError() }
        return value
    }

    /// Runs `body`, which watches `Task.isShuttingDownGracefully` itself (the scheduler stops
    /// starting jobs and waits for the running ones).
    static func untilShutdown(logger: Logger, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await run(OneShot(body: body, cancelsOnShutdown: false), logger: logger)
    }

    /// Runs `service` alone in a group whose end is the service's end: its errors come back as
    /// they were thrown, and a termination signal is a graceful shutdown.
    private static func run(_ service: some Service, logger: Logger) async throws {
        let configuration = ServiceGroupConfiguration.ServiceConfiguration(
            service: service,
            successTerminationBehavior: .gracefullyShutdownGroup
        )
        try await ServiceGroup(
            configuration: .init(
                services: [configuration],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        ).run()
    }
}

/// A service that runs a body once and keeps what it returned.
private final class OneShot<T: Sendable>: Service, Sendable {
    let body: @Sendable () async throws -> T
    let cancelsOnShutdown: Bool
    let value = Mutex<T?>(nil)

    init(body: @escaping @Sendable () async throws -> T, cancelsOnShutdown: Bool = true) {
        self.body = body
        self.cancelsOnShutdown = cancelsOnShutdown
    }

    func run() async throws {
        let result = cancelsOnShutdown ? try await cancelWhenGracefulShutdown(body) : try await body()
        value.withLock { $0 = result }
    }
}
