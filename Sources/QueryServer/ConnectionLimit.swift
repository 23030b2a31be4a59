import HummingbirdCore
import Logging

/// Caps open connections. At the cap the server stops accepting (new connections wait in the
/// listen backlog) until one closes, so a flood of idle or half-open clients cannot use up the
/// process's file descriptors; the idle timeout then frees their slots. Reaching the cap is
/// logged once per episode and counted (`mediagw_connection_limit_reached_total`).
struct ConnectionLimit: AvailableConnectionsDelegate {
    let maximum: Int
    let metrics: ServerMetrics
    let logger: Logger
    private var open = 0
    private var isAtLimit = false

    init(maximum: Int, metrics: ServerMetrics, logger: Logger) {
        self.maximum = max(1, maximum)
        self.metrics = metrics
        self.logger = logger
    }

    mutating func connectionOpened() {
        open += 1
        metrics.connectionsChanged(open)
        if open >= maximum && !isAtLimit {
            isAtLimit = true
            metrics.connectionLimitReached()
            logger.warning(
                "connection limit reached; new connections wait until one closes",
                metadata: ["server.connections": "\(open)", "server.max_connections": "\(maximum)"]
            )
        }
    }

    mutating func connectionClosed() {
        open -= 1
        metrics.connectionsChanged(open)
        if isAtLimit && open < maximum {
            isAtLimit = false
            logger.info("accepting connections again", metadata: ["server.connections": "\(open)"])
        }
    }

    func isAcceptingNewConnections() -> Bool { open < maximum }
}
