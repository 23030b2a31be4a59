import Embeddings
import Foundation
import Hummingbird
import Logging
import MediaModel
import Search
import ServiceLifecycle
import Snapshots

/// The read-only query daemon: routes, snapshot watcher and metrics in one application.
public struct QueryServer: Sendable {
    public let configuration: ServerConfiguration
    public let holder = SnapshotHolder()
    public let metrics = ServerMetrics()
    public let logger: Logger
    /// Embeds query text; nil serves lexical search only.
    public let embedder: (any Embedder)?
    /// Why ``embedder`` is nil (reported by `/readyz` and in fallback notices).
    public let embedderProblem: String?

    public init(
        configuration: ServerConfiguration,
        embedder: (any Embedder)? = nil,
        embedderProblem: String? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.embedder = embedder
        self.embedderProblem = embedderProblem
        self.logger = logger
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

    /// The Hummingbird application; `onServerRunning` receives the bound port.
    public func makeApplication(
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics, logger: logger))
        let routes = QueryRoutes(
            holder: holder,
            metrics: metrics,
            embedder: embedder,
            embedderProblem: embedderProblem,
            fusionK: configuration.fusionK
        )
        routes.register(on: router)
        return Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "mediagw"
            ),
            services: [watcher],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Loads the current snapshot (if any) and serves until SIGTERM or SIGINT, then drains.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        watcher.reload(after: nil)
        if holder.current == nil {
            logger.warning(
                "no snapshot to serve yet; /readyz stays 503 until one is published",
                metadata: ["snapshots.directory": "\(configuration.snapshotsDirectory)"]
            )
        }
        let app = makeApplication(onServerRunning: onServerRunning)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}

/// Counts requests and their latency per route, and logs each request at debug level.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    let logger: Logger

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        do {
            let response = try await next(request, context)
            metrics.recordRequest(path: path, status: Int(response.status.code), duration: ContinuousClock.now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.recordRequest(path: path, status: Int(status), duration: ContinuousClock.now - start)
            if status >= 500 {
                logger.error("request failed", metadata: ["http.path": "\(path)", "error": "\(error)"])
            }
            throw error
        }
    }
}
