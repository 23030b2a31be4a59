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
    /// The `k` of reciprocal rank fusion in hybrid search.
    public var fusionK: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        snapshotsDirectory: String = "snapshots",
        pollInterval: Duration = .seconds(1),
        fusionK: Int = 60
    ) {
        self.fusionK = fusionK
        self.host = host
        self.port = port
        self.snapshotsDirectory = snapshotsDirectory
        self.pollInterval = pollInterval
    }
}
