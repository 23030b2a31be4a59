import Assistant
import Embeddings
import Foundation
import Hummingbird
import Logging
import MediaModel
import NIOCore
import Search
import ServiceLifecycle
import Snapshots

/// The read-only query daemon: routes, snapshot watcher and metrics in one application.
public struct QueryServer: Sendable {
    public let configuration: ServerConfiguration
    public let holder = SnapshotHolder()
    public let metrics = ServerMetrics()
    public let logger: Logger
    /// Embeds query text: the model given, with the queries of concurrent requests embedded
    /// together (``CoalescingEmbedder``) and, with ``ServerConfiguration/queryCache``, recent
    /// vectors remembered (``RecentEmbeddings``); nil serves lexical search only.
    public let embedder: (any Embedder)?
    /// Why ``embedder`` is nil (reported by `/readyz` and in fallback notices).
    public let embedderProblem: String?
    /// Where search work runs, and how much of it may run or wait at once.
    let workers: WorkerThreads
    let gate: AdmissionGate
    /// Where connections and every other route are handled: threads of their own, so that
    /// liveness is answered even when the process's cooperative pool is busy.
    let httpThreads: WorkerThreads
    /// What the daemon last learned from its object store; nil when it serves a local directory.
    public let storeStatus: StoreStatus?
    /// Search answers by snapshot and query string (``ServerConfiguration/responseCacheBytes``).
    let responses: BoundedCache<String, [UInt8]>

    public init(
        configuration: ServerConfiguration,
        embedder: (any Embedder)? = nil,
        embedderProblem: String? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.embedderProblem = embedderProblem
        self.logger = logger
        let workers = WorkerThreads(count: configuration.searchThreads, name: "mediagw-search")
        self.workers = workers
        let coalescing = embedder.map {
            CoalescingEmbedder(
                $0,
                lanes: configuration.embeddingLanes,
                queueLimit: max(1, configuration.searchQueueLimit),
                deadline: configuration.searchDeadline,
                executor: workers
            )
        }
        if let coalescing { metrics.followQueryEmbedding { coalescing.counts } }
        // The memory of recent vectors goes in front, so a remembered query never waits behind
        // the model.
        if let coalescing, configuration.queryCache > 0 {
            let recent = RecentEmbeddings(coalescing, capacity: configuration.queryCache)
            metrics.followQueryVectors { recent.counts }
            self.embedder = recent
        } else {
            self.embedder = coalescing
        }
        httpThreads = WorkerThreads(count: 2, name: "mediagw-http")
        let responses = BoundedCache<String, [UInt8]>(budget: configuration.responseCacheBytes)
        self.responses = responses
        if configuration.responseCacheBytes > 0 { metrics.followResponseCache { responses.counts } }
        storeStatus = configuration.store.map {
            StoreStatus(location: $0.bucket.location.description, pollInterval: $0.pollInterval)
        }
        gate = AdmissionGate(
            permits: configuration.searchThreads,
            queueLimit: configuration.searchQueueLimit,
            deadline: configuration.searchDeadline
        )
    }

    /// The snapshot watcher that keeps ``holder`` current.
    public var watcher: SnapshotWatcher {
        SnapshotWatcher(
            directory: SnapshotDirectory(path: configuration.snapshotsDirectory),
            holder: holder,
            metrics: metrics,
            interval: configuration.pollInterval,
            logger: logger
        )
    }

    /// The follower that fills the cache from the object store, when the daemon serves from one.
    public var follower: StoreFollower? {
        guard let source = configuration.store, let storeStatus else { return nil }
        let watcher = self.watcher
        let holder = self.holder
        return StoreFollower(
            source: source,
            cache: SnapshotDirectory(path: configuration.snapshotsDirectory),
            status: storeStatus,
            metrics: metrics,
            logger: logger,
            onInstalled: { watcher.reload(after: holder.current?.name) }
        )
    }

    /// The application as a service: Hummingbird, its tasks preferring ``httpThreads``;
    /// `onServerRunning` receives the bound port.
    public func makeApplication(
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ServiceLifecycle.Service {
        ExecutorPreferringService(
            wrapped: makeHummingbirdApplication(onServerRunning: onServerRunning),
            executor: httpThreads,
            stopping: [workers, httpThreads]
        )
    }

    private func makeHummingbirdApplication(
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: RequestIDMiddleware(logger: logger))
        let routes = QueryRoutes(
            holder: holder,
            metrics: metrics,
            embedder: embedder,
            embedderProblem: embedderProblem,
            ranking: configuration.ranking,
            workers: workers,
            gate: gate,
            responses: responses,
            storeStatus: storeStatus,
            changesDirectory: configuration.snapshotsDirectory
        )
        routes.register(on: router)
        let holder = self.holder
        let tools = TitleTools(embedder: embedder) {
            guard let loaded = holder.current else { throw MediaError(.notFound, "no snapshot is loaded") }
            return ServedSnapshot(name: loaded.name, snapshot: loaded.snapshot, engine: loaded.engine)
        }
        McpEndpoint(tools: tools, host: configuration.host, logger: logger).register(on: router)
        return Application(
            router: router,
            server: .http1(
                configuration: .init(idleTimeout: .nanoseconds(configuration.idleTimeout.nanosecondCount))
            ),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "mediagw",
                availableConnectionsDelegate: ConnectionLimit(
                    maximum: configuration.maximumConnections,
                    metrics: metrics,
                    logger: logger
                )
            ),
            services: [watcher] + (follower.map { [$0 as any ServiceLifecycle.Service] } ?? []),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Loads the current snapshot (if any) and serves until SIGTERM or SIGINT, then drains.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        watcher.reload(after: nil)
        // A daemon that follows a store checks it once before it listens; an unreachable store
        // leaves whatever the cache holds serving.
        if let follower { await follower.poll() }
        if holder.current == nil {
            logger.warning(
                "no snapshot to serve yet; /readyz stays 503 until one is published",
                metadata: ["snapshots.directory": "\(configuration.snapshotsDirectory)"]
            )
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [makeApplication(onServerRunning: onServerRunning)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw MediaError(
                .io,
                "port \(configuration.port) on \(configuration.host) is in use by another process; stop it or "
                    + "choose another with --port"
            )
        }
    }
}

/// Runs a service with its tasks, and the child tasks they start, preferring `executor`; once
/// it has returned (every task of it done), stops the threads in `stopping`.
struct ExecutorPreferringService<Wrapped: ServiceLifecycle.Service>: ServiceLifecycle.Service {
    let wrapped: Wrapped
    let executor: any TaskExecutor
    let stopping: [WorkerThreads]

    func run() async throws {
        defer { for threads in stopping { threads.stop() } }
        try await withTaskExecutorPreference(executor) { try await wrapped.run() }
    }
}

/// Counts requests and their latency per route. It runs outside ``RequestIDMiddleware``, which
/// turns every error into a response, so every request reaches it as a response with a status.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.recordRequest(
            path: request.uri.path,
            status: Int(response.status.code),
            duration: ContinuousClock.now - start
        )
        return response
    }
}

extension Duration {
    /// The duration in whole nanoseconds (NIO's `TimeAmount` unit).
    var nanosecondCount: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
