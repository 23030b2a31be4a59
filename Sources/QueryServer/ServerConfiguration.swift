import Foundation
import Search

/// How the query daemon runs.
public struct ServerConfiguration: Sendable {
    /// Address to bind; loopback by default so nothing is exposed by accident.
    public var host: String
    /// Port to bind; 0 picks a free one (tests).
    public var port: Int
    /// Directory holding published snapshots and the `CURRENT` pointer.
    public var snapshotsDirectory: String
    /// How often `CURRENT` is checked for a new snapshot.
    public var pollInterval: Duration
    /// The ranking's constants (`serve --tune`).
    public var ranking: RankingTuning
    /// Open connections at most; more wait in the listen backlog.
    public var maximumConnections: Int
    /// A connection that sends nothing for this long — between requests, or in the middle of
    /// a request's header — is closed.
    public var idleTimeout: Duration
    /// Threads that run search and query embedding (default: one per core).
    public var searchThreads: Int
    /// Search requests that may wait for a thread; more are answered 503 with `Retry-After`.
    public var searchQueueLimit: Int
    /// Query texts whose vectors are remembered (``RecentEmbeddings``); 0 remembers none.
    public var queryCache: Int
    /// Calls to the embedding model that run at once on the search threads; query texts that
    /// arrive while they run are embedded together in the next call (``CoalescingEmbedder``).
    public var embeddingLanes: Int
    /// A search that waited this long for a thread is answered 503 instead of run.
    public var searchDeadline: Duration
    /// Bytes of search answers kept (``QueryRoutes``): the same query string on the same
    /// snapshot is answered from them without searching; 0 keeps none.
    public var responseCacheBytes: Int
    /// An object store to follow; ``snapshotsDirectory`` is then the local cache it fills.
    public var store: StoreSource?

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        snapshotsDirectory: String = "snapshots",
        pollInterval: Duration = .seconds(1),
        ranking: RankingTuning = RankingTuning(),
        maximumConnections: Int = 4096,
        idleTimeout: Duration = .seconds(30),
        searchThreads: Int = ProcessInfo.processInfo.activeProcessorCount,
        searchQueueLimit: Int = 256,
        queryCache: Int = 0,
        embeddingLanes: Int? = nil,
        searchDeadline: Duration = .seconds(2),
        responseCacheBytes: Int = 0,
        store: StoreSource? = nil
    ) {
        self.responseCacheBytes = max(0, responseCacheBytes)
        self.store = store
        self.ranking = ranking
        self.maximumConnections = maximumConnections
        self.idleTimeout = idleTimeout
        self.searchThreads = searchThreads
        self.searchQueueLimit = searchQueueLimit
        self.queryCache = max(0, queryCache)
        self.embeddingLanes = embeddingLanes ?? Self.defaultEmbeddingLanes(searchThreads: searchThreads)
        self.searchDeadline = searchDeadline
        self.host = host
        self.port = port
        self.snapshotsDirectory = snapshotsDirectory
        self.pollInterval = pollInterval
    }

    /// Half the search threads, at least one: the model then takes at most half the cores, and
    /// the queries that wait for it meanwhile go in one call, which embeds them for about half
    /// the CPU each (with two lanes on two cores, hybrid load made a third fewer answers,
    /// docs/benchmarks.md).
    public static func defaultEmbeddingLanes(searchThreads: Int) -> Int { max(1, searchThreads / 2) }
}
