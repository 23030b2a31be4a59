import Foundation
import Logging
import ServiceLifecycle
import Snapshots

/// Watches `CURRENT` and swaps in each newly published snapshot after verifying it off the
/// request path. A snapshot that fails to open or verify is refused and logged; the previous one
/// keeps serving, and the bad one is not retried until `CURRENT` changes again.
public struct SnapshotWatcher: Service {
    let directory: SnapshotDirectory
    let holder: SnapshotHolder
    let metrics: ServerMetrics
    let interval: Duration
    let logger: Logger

    public init(
        directory: SnapshotDirectory,
        holder: SnapshotHolder,
        metrics: ServerMetrics,
        interval: Duration,
        logger: Logger
    ) {
        self.directory = directory
        self.holder = holder
        self.metrics = metrics
        self.interval = interval
        self.logger = logger
    }

    /// What is served after a refusal: the previous snapshot, or nothing yet.
    private var stillServing: String {
        holder.current.map { "still serving the previous snapshot \($0.name)" }
            ?? "serving nothing until a good snapshot is published (/readyz stays 503)"
    }

    public func run() async throws {
        var lastSeen = holder.current?.name
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            lastSeen = reload(after: lastSeen)
            try? await Task.sleep(for: interval)
        }
    }

    /// Loads the current snapshot if `CURRENT` names something other than `lastSeen`; returns
    /// what `CURRENT` named. An unreadable `CURRENT` is refused like a bad snapshot — logged and
    /// counted once, not at every poll — and is remembered by its error until it changes.
    @discardableResult
    public func reload(after lastSeen: String?) -> String? {
        let path: String?
        do {
            path = try directory.currentSnapshotPath()
        } catch {
            let seen = "CURRENT: \(error)"
            if seen != lastSeen {
                metrics.snapshotRefused()
                logger.error("cannot read CURRENT; \(stillServing)", metadata: ["error": "\(error)"])
            }
            return seen
        }
        guard let path else { return lastSeen }
        let name = (path as NSString).lastPathComponent
        guard name != lastSeen else { return lastSeen }
        do {
            let snapshot = try Snapshot.verified(path: path)
            holder.install(snapshot, name: name)
            // Availability questions need an index of the dated offers, and hybrid ranking which
            // titles have text: build them now, off the request path, rather than on the first
            // request after the swap.
            if let engine = holder.current?.engine {
                Task.detached(priority: .background) { try? engine.warm() }
            }
            metrics.snapshotLoaded(snapshot)
            logger.info(
                "serving snapshot",
                metadata: ["snapshot.name": "\(name)", "snapshot.titles": "\(snapshot.documentCount)"]
            )
        } catch {
            metrics.snapshotRefused()
            logger.error(
                "refused snapshot; \(stillServing)",
                metadata: ["snapshot.name": "\(name)", "error": "\(error)"]
            )
        }
        return name
    }
}
