import Foundation
import Prometheus
import Snapshots
import Synchronization

/// The daemon's Prometheus metrics, kept in a registry of its own (no global bootstrap, so
/// several servers can live in one test process).
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let snapshotSize: Gauge
    private let snapshotBuiltAt: Gauge
    private let snapshotTitles: Gauge
    private let refusals: Counter
    private let snapshotAge: Gauge
    private let connections: Gauge
    private let connectionLimitHits: Counter
    private let searchQueue: Gauge
    private let builtAt = Mutex<Double?>(nil)
    /// Reads the query-vector memory's hits and misses so far (`RecentEmbeddings.counts`).
    private let queryVectorCounts = Mutex<(@Sendable () -> (hits: Int, misses: Int))?>(nil)
    private let queryVectorsReported = Mutex((hits: 0, misses: 0))
    static let routes = [
        "/v1/search", "/v1/titles/{id}", "/v1/titles/{id}/similar", "/v1/titles/{id}/offers", "/v1/leaving",
        "/v1/new", "/v1/changes", "/v1/snapshot", "/healthz", "/readyz", "/metrics", "/openapi.json", "other",
    ]
    private static let buckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    public init() {
        snapshotSize = registry.makeGauge(
            descriptor: .init(
                namespace: "mediagw",
                metricName: "snapshot_size",
                unitName: "bytes",
                helpText: "Size of the served snapshot"
            )
        )
        snapshotBuiltAt = registry.makeGauge(
            descriptor: .init(
                namespace: "mediagw",
                metricName: "snapshot_build_time",
                unitName: "seconds",
                helpText: "Unix time the served snapshot was built; snapshot age is time() minus this"
            )
        )
        snapshotTitles = registry.makeGauge(
            descriptor: .init(
                namespace: "mediagw",
                metricName: "snapshot_titles",
                unitName: "count",
                helpText: "Titles in the served snapshot"
            )
        )
        snapshotAge = registry.makeGauge(
            descriptor: .init(
                namespace: "mediagw",
                metricName: "snapshot_age",
                unitName: "seconds",
                helpText: "Age of the served snapshot"
            )
        )
        connections = registry.makeGauge(
            descriptor: .init(
                namespace: "mediagw",
                metricName: "http_connections",
                unitName: "count",
                helpText: "Open HTTP connections"
            )
        )
        connectionLimitHits = registry.makeCounter(
            descriptor: .init(
                namespace: "mediagw",
                metricName: "connection_limit_reached",
                unitName: "total",
                helpText: "Times the open connections reached --max-connections"
            )
        )
        searchQueue = registry.makeGauge(
            descriptor: .init(
                namespace: "mediagw",
                metricName: "search_queue_depth",
                unitName: "count",
                helpText: "Search requests waiting for a worker"
            )
        )
        refusals = registry.makeCounter(
            descriptor: .init(
                namespace: "mediagw",
                metricName: "snapshot_refused",
                unitName: "total",
                helpText: "Published snapshots refused because they failed to open or verify"
            )
        )
    }

    /// Maps a request path to its route template, keeping label cardinality bounded.
    static func route(for path: String) -> String {
        if path.hasPrefix("/v1/titles/") {
            if path.hasSuffix("/similar") { return "/v1/titles/{id}/similar" }
            return path.hasSuffix("/offers") ? "/v1/titles/{id}/offers" : "/v1/titles/{id}"
        }
        return routes.contains(path) ? path : "other"
    }

    func recordRequest(path: String, status: Int, duration: Duration) {
        let route = Self.route(for: path)
        registry.makeCounter(
            descriptor: .init(
                namespace: "mediagw",
                metricName: "http_requests",
                unitName: "total",
                helpText: "HTTP requests"
            ),
            labels: [("route", route), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "mediagw",
                metricName: "http_request_duration",
                unitName: "seconds",
                helpText: "HTTP request latency"
            ),
            labels: [("route", route)],
            buckets: Self.buckets
        ).record(duration)
    }

    func snapshotLoaded(_ snapshot: Snapshot) {
        snapshotSize.set(Double(snapshot.fileSize))
        snapshotTitles.set(Double(snapshot.documentCount))
        if let built = try? Date(snapshot.metadata.builtAt, strategy: .iso8601) {
            snapshotBuiltAt.set(built.timeIntervalSince1970)
            builtAt.withLock { $0 = built.timeIntervalSince1970 }
        }
    }

    func snapshotRefused() {
        refusals.increment()
    }

    func connectionsChanged(_ open: Int) {
        connections.set(Double(open))
    }

    func connectionLimitReached() {
        connectionLimitHits.increment()
    }

    func searchQueueChanged(_ depth: Int) {
        searchQueue.set(Double(depth))
    }

    /// A search refused for overload: `queue_full` or `deadline`.
    func searchRejected(reason: String) {
        registry.makeCounter(
            descriptor: .init(
                namespace: "mediagw",
                metricName: "search_rejected",
                unitName: "total",
                helpText: "Search requests answered 503 because the server was overloaded"
            ),
            labels: [("reason", reason)]
        ).increment()
    }

    /// Reports the query-vector memory's hits and misses with every scrape.
    func followQueryVectors(_ counts: @escaping @Sendable () -> (hits: Int, misses: Int)) {
        queryVectorCounts.withLock { $0 = counts }
    }

    /// The exposition text.
    public func render() -> String {
        if let built = builtAt.withLock({ $0 }) {
            snapshotAge.set(Date().timeIntervalSince1970 - built)
        }
        if let counts = queryVectorCounts.withLock({ $0 }) {
            let now = counts()
            let before = queryVectorsReported.withLock { reported in
                defer { reported = now }
                return reported
            }
            for (result, delta) in [("hit", now.hits - before.hits), ("miss", now.misses - before.misses)] {
                registry.makeCounter(
                    descriptor: .init(
                        namespace: "mediagw",
                        metricName: "query_vectors",
                        unitName: "total",
                        helpText: "Query texts answered from the remembered vectors (hit) or by the model (miss)"
                    ),
                    labels: [("result", result)]
                ).increment(by: Int64(max(delta, 0)))
            }
        }
        return registry.emitToString()
    }
}
