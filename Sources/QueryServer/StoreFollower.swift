import Foundation
import HTTPClient
import Logging
import MediaModel
import ObjectStore
import ServiceLifecycle
import Snapshots
import Synchronization

/// Where a daemon that serves from an object store gets its snapshots.
public struct StoreSource: Sendable {
    public var bucket: SnapshotBucket
    /// How often `CURRENT` is checked (one conditional GET; jittered by ±20% so a fleet spreads out).
    public var pollInterval: Duration
    /// Snapshots kept in the local cache.
    public var keep: Int

    public init(bucket: SnapshotBucket, pollInterval: Duration = .seconds(5), keep: Int = 3) {
        self.bucket = bucket
        self.pollInterval = pollInterval
        self.keep = keep
    }
}

/// What the daemon last learned from its store, for `/readyz`.
public final class StoreStatus: Sendable {
    public struct State: Sendable, Encodable {
        public var location: String
        /// What the store's `CURRENT` named at the last successful check.
        public var current: String?
        public var lastCheckAt: Date?
        public var lastSuccessAt: Date?
        /// Why the last check failed; nil after a successful one.
        public var error: String?
        /// The last snapshot refused (failed its checksum or verification), until `CURRENT` moves.
        public var refused: String?
        /// Checks of the store since the daemon started, and the one that installed the
        /// snapshot the cache names: how many polls a change took to be served.
        public var checks = 0
        public var installedAtCheck: Int?
    }

    private let state: Mutex<State>
    let pollInterval: Duration
    /// The entity tag of `CURRENT` as last handled (for the next conditional GET).
    let pointerTag = Mutex<String?>(nil)

    init(location: String, pollInterval: Duration) {
        state = Mutex(State(location: location))
        self.pollInterval = pollInterval
    }

    public var current: State { state.withLock { $0 } }

    func update(_ body: (inout State) -> Void) { state.withLock { body(&$0) } }
}

/// Polls the store's `CURRENT` with `If-None-Match`, so an unchanged pointer costs one small
/// answer; a new snapshot is downloaded into the local cache (ranged parallel GETs, resumable),
/// checked against its SHA-256, verified, and installed there as current, where the daemon's
/// ``SnapshotWatcher`` swaps it in exactly as after a local publish. A snapshot that fails is
/// refused, logged and not fetched again until `CURRENT` changes; a store that cannot be reached
/// leaves the cached snapshot serving, and `/readyz` says how stale it is.
public struct StoreFollower: ServiceLifecycle.Service {
    let source: StoreSource
    let cache: SnapshotDirectory
    let status: StoreStatus
    let metrics: ServerMetrics
    let logger: Logger
    /// Called after a snapshot is installed in the cache (the server reloads at once).
    let onInstalled: @Sendable () -> Void

    init(
        source: StoreSource,
        cache: SnapshotDirectory,
        status: StoreStatus,
        metrics: ServerMetrics,
        logger: Logger,
        onInstalled: @escaping @Sendable () -> Void
    ) {
        self.source = source
        self.cache = cache
        self.status = status
        self.metrics = metrics
        self.logger = logger
        self.onInstalled = onInstalled
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let base = source.pollInterval.seconds
            try? await Task.sleep(for: .milliseconds(Int(base * Double.random(in: 0.8...1.2) * 1000)))
            await poll()
        }
    }

    /// One check of `CURRENT`, and a download when it names something new.
    public func poll() async {
        let checkedAt = Date()
        let location = source.bucket.location
        do {
            switch try await source.bucket.current(ifNoneMatch: status.pointerTag.withLock { $0 }) {
            case .unchanged:
                break
            case .missing:
                if status.current.current != nil || status.current.lastSuccessAt == nil {
                    logger.warning("nothing is published at \(location) yet (no CURRENT)")
                }
                status.update { $0.current = nil }
            case .names(let pointer):
                let cached = (try? cache.currentSnapshotPath()).map { ($0 as NSString).lastPathComponent }
                if pointer.name != cached {
                    try await install(pointer.name)
                }
                status.pointerTag.withLock { $0 = pointer.etag }
                status.update { $0.current = pointer.name }
            }
            status.update {
                $0.lastCheckAt = checkedAt
                $0.lastSuccessAt = checkedAt
                $0.error = nil
                $0.checks += 1
            }
        } catch {
            let text = (error as? MediaError)?.message ?? "\(error)"
            if status.current.error != text {
                logger.warning(
                    "cannot check the object store; still serving the cached snapshot",
                    metadata: ["store": "\(location)", "error": "\(text)"]
                )
            }
            status.update {
                $0.lastCheckAt = checkedAt
                $0.error = text
                $0.checks += 1
            }
        }
    }

    /// Fetches `name` into the cache (or points at the copy already there). A snapshot that fails
    /// its checks is refused — counted, logged, remembered — and not an error of the check.
    private func install(_ name: String) async throws {
        let local = (cache.path as NSString).appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: local), (try? Snapshot.verified(path: local)) != nil {
            try cache.point(at: name)
            status.update { $0.installedAtCheck = $0.checks + 1 }
            onInstalled()
            return
        }
        let started = ContinuousClock.now
        do {
            // The change files first, so /v1/changes reaches the new snapshot once it is served.
            do {
                try await source.bucket.syncChangeFiles(into: cache)
            } catch {
                logger.warning("could not copy the store's change files; /v1/changes may end early: \(error)")
            }
            try await source.bucket.fetch(name, into: cache, keep: source.keep)
            status.update {
                $0.refused = nil
                $0.installedAtCheck = $0.checks + 1
            }
            logger.info(
                "downloaded snapshot from the object store",
                metadata: ["snapshot.name": "\(name)", "seconds": "\(ContinuousClock.now - started)"]
            )
            onInstalled()
        } catch let error as MediaError where [.corruptSnapshot, .unsupportedFormat].contains(error.code) {
            metrics.snapshotRefused()
            status.update { $0.refused = name }
            let serving = (try? cache.currentSnapshotPath()).map { ($0 as NSString).lastPathComponent }
            let still = serving.map { "still serving the previous snapshot \($0)" } ?? "serving nothing yet"
            logger.error(
                "refused snapshot from the object store; \(still)",
                metadata: ["snapshot.name": "\(name)", "error": "\(error.message)"]
            )
        }
    }
}
