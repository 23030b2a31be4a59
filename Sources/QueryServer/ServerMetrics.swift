import Embeddings
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
    /// Counters kept by other parts (the query-vector memory, the embedding queue), read at
    /// every scrape: each total, the total already reported, and how to read it.
    private struct Followed {
        var name: String
        var help: String
        var labels: [(String, String)]
        var reported = 0
        var read: @Sendable () -> Int
    }
    private let followed = Mutex<[Followed]>([])
    private let queryEmbeddingWaiting: Gauge
    private let queryEmbeddingWaitingRead = Mutex<(@Sendable () -> Int)?>(nil)
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
        queryEmbeddingWaiting = registry.makeGauge(
            descriptor: .init(
                namespace: "mediagw",
                metricName: "query_embedding_queue_depth",
                unitName: "count",
                helpText: "Query texts waiting for the embedding model"
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
        let help = "Query texts answered from the remembered vectors (hit) or by the model (miss)"
        follow("query_vectors", help, [("result", "hit")]) { counts().hits }
        follow("query_vectors", help, [("result", "miss")]) { counts().misses }
    }

    /// Reports the search-answer cache's hits, misses and size with every scrape.
    func followResponseCache(
        _ counts: @escaping @Sendable () -> (entries: Int, cost: Int, hits: Int, misses: Int)
    ) {
        let help = "Searches answered from the kept answers of the same query (hit) or searched (miss)"
        follow("response_cache", help, [("result", "hit")]) { counts().hits }
        follow("response_cache", help, [("result", "miss")]) { counts().misses }
    }

    /// Reports the embedding queue's model calls, texts and waiting texts with every scrape;
    /// texts over calls is how many queries the model embeds together.
    func followQueryEmbedding(_ counts: @escaping @Sendable () -> CoalescingEmbedder.Counts) {
        follow("query_embedding_calls", "Calls to the embedding model for query texts", []) { counts().calls }
        follow("query_embedding_texts", "Query texts embedded by those calls", []) { counts().texts }
        queryEmbeddingWaitingRead.withLock { $0 = { counts().waiting } }
    }

    private func follow(
        _ name: String,
        _ help: String,
        _ labels: [(String, String)],
        _ read: @escaping @Sendable () -> Int
    ) {
        followed.withLock { $0.append(Followed(name: name, help: help, labels: labels, read: read)) }
    }

    /// The exposition text.
    public func render() -> String {
        if let built = builtAt.withLock({ $0 }) {
            snapshotAge.set(Date().timeIntervalSince1970 - built)
        }
        let increments = followed.withLock { followed in
            followed.indices.map { index in
                let now = followed[index].read()
                defer { followed[index].reported = now }
                return (followed[index], max(now - followed[index].reported, 0))
            }
        }
        for (counter, delta) in increments {
            registry.makeCounter(
                descriptor: .init(
                    namespace: "mediagw",
                    metricName: counter.name,
                    unitName: "total",
                    helpText: counter.help
                ),
                labels: counter.labels
            ).increment(by: Int64(delta))
        }
        if let waiting = queryEmbeddingWaitingRead.withLock({ $0 }) { queryEmbeddingWaiting.set(Double(waiting())) }
        return registry.emitToString()
    }
}
