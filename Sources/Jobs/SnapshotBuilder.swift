import Embeddings
import Foundation
import Logging
import MediaModel
import Resolution
import Snapshots
import Staging

/// Resolves what is staged and writes, verifies and publishes a snapshot.
public struct SnapshotBuilder: Sendable {
    /// What a build produced.
    public struct Summary: Sendable, Codable {
        public var path: String
        /// Whether `CURRENT` names the new file; false when a build that started later was
        /// already current (see ``SnapshotDirectory/Publication``).
        public var isCurrent: Bool
        public var buildID: String
        public var titles: Int
        public var records: Int
        public var bytes: Int
        public var seconds: Double
        /// Seconds spent per phase: load, resolve, embed, write, publish.
        public var phases: [String: Double]
        /// Titles embedded from the cache and computed; nil when built without embeddings.
        public var embeddings: CatalogEmbedder.Report?
        /// `matched` (everything), `incremental: …` (what changed and its neighbours), or `reused`
        /// when no record had changed since the last resolution.
        public var resolution: String
        /// True when the build would have served exactly what the current snapshot serves, so
        /// nothing was written: `path` is then the current snapshot.
        public var unchanged: Bool = false
        /// Why the snapshot has no vectors, when it has none.
        public var withoutVectors: String?
    }

    public var resolver: any TitleResolver
    /// Embeds titles for semantic search; nil builds a lexical-only snapshot.
    public var embedder: (any Embedder)?
    /// Why there is no `embedder` (recorded in the snapshot, shown by `snapshot info`).
    public var withoutVectors = "built without an embedder"
    /// Publish even when the new snapshot lacks a capability the current one has (vectors, the
    /// vector graph). Off, such a publish is refused and says why.
    public var allowCapabilityLoss = false
    /// Publish even when the resolved content equals the current snapshot's. Off, such a build
    /// writes nothing, so that runs that changed nothing do not push useful snapshots out of
    /// the directory's `keep`.
    public var publishUnchanged = false
    /// Hears where the build is: each step as it starts, and how far embedding and the vector
    /// graph have got.
    public var onProgress: ProgressHandler?
    /// Snapshots to keep in the directory.
    public var keep: Int
    /// Writes the snapshot file (graph threshold, compression level).
    public var writer = SnapshotWriter(writerVersion: "mediagw \(MediagwVersion.current)")
    public var logger: Logger

    public init(
        resolver: any TitleResolver = ScoringResolver(),
        embedder: (any Embedder)? = nil,
        keep: Int = 5,
        logger: Logger
    ) {
        self.resolver = resolver
        self.embedder = embedder
        self.keep = keep
        self.logger = logger
    }

    /// Resolves staged records and saves the identity map, without writing a snapshot. Returns
    /// the number of canonical titles.
    public func resolveOnly(from store: any BuildStores) throws -> Int {
        let state = try currentState(store)
        return try resolve(store.liveRecords(source: nil), in: store, state: state).catalog.titles.count
    }

    /// What resolution depends on: the live records and the matcher's settings and overrides.
    /// Read before the records are loaded: a page committed meanwhile is after the state's
    /// high-water mark and is matched next time.
    private func currentState(_ store: any BuildStores) throws -> ResolutionState {
        ResolutionState(records: try store.recordsFingerprint(), settings: resolver.configurationDigest)
    }

    /// Resolves `records`; when nothing changed since the last resolution (same state), the
    /// titles are merged again from the saved identity map without matching; when only some
    /// records changed (same settings), only what they can affect is matched again.
    private func resolve(_ records: [SourceRecord], in store: any BuildStores, state: ResolutionState) throws
        -> (catalog: ResolvedCatalog, mode: String)
    {
        let previousIdentity = try store.identityMap()
        let saved = try store.resolutionState()
        if saved == state,
            let reused = ResolvedCatalog.reusing(records, identity: previousIdentity, merge: resolver.merge)
        {
            logger.info("no record changed since the last resolution: titles reused without matching")
            return (reused, "reused")
        }
        var resolved: ResolvedCatalog
        var mode = "matched"
        if let saved, saved.settings == state.settings, !previousIdentity.assignments.isEmpty,
            let outcome = resolver.resolveIncrementally(
                records,
                identity: previousIdentity,
                changed: try store.recordKeys(changedAfter: saved.records.changedRun)
            )
        {
            resolved = outcome.catalog
            mode = "incremental: \(outcome.reresolved) of \(records.count) records matched again"
            logger.info("\(mode)")
        } else {
            resolved = resolver.resolve(records, identity: previousIdentity)
        }
        try store.saveIdentityMap(resolved.identity, previous: previousIdentity)
        try store.saveReviewPairs(resolved.review)
        try store.saveResolutionState(state)
        return (resolved, mode)
    }

    /// Resolves, embeds (with an embedder), writes and verifies a snapshot, and publishes it
    /// (`makeCurrent`: makes it the one served). It is recorded as a `build` run of its own
    /// unless `recordRun` is false (a job's run records it instead).
    public func build(
        from store: any BuildStores,
        into directory: SnapshotDirectory,
        makeCurrent: Bool = true,
        recordRun: Bool = true
    ) async throws -> Summary {
        let started = Date()
        let runID = recordRun ? try store.beginRun(job: "build", kind: "build") : nil
        var phases: [String: Double] = [:]
        var mark = Date()
        func lap(_ phase: String) {
            phases[phase] = Date().timeIntervalSince(mark)
            mark = Date()
        }
        let onProgress = self.onProgress
        func starting(_ step: String, detail: String? = nil) {
            onProgress?(StepProgress(step: step, detail: detail))
        }
        do {
            starting("load")
            let state = try currentState(store)
            let records = try store.liveRecords(source: nil)
            lap("load")
            starting("resolve", detail: "\(records.count) records")
            let (resolved, resolution) = try resolve(records, in: store, state: state)
            lap("resolve")
            // Computed once: compared with the current snapshot's, then recorded in the new one.
            let digest = try writer.contentDigest(
                titles: resolved.titles,
                aliases: resolved.identity.aliases,
                embeddingModel: embedder?.modelID
            )
            let current = makeCurrent ? directory.currentMetadata() : nil
            if let current {
                try checkCapabilities(current: current, titles: resolved.titles.count)
                if !publishUnchanged, current.metadata.contentDigest == digest {
                    logger.info(
                        "nothing changed: the resolved titles equal the current snapshot's; nothing published",
                        metadata: ["snapshot.path": "\(current.path)"]
                    )
                    if let runID {
                        var counts = IngestCounts()
                        counts.read = records.count
                        try store.finishRun(
                            id: runID,
                            outcome: .success,
                            counts: counts,
                            message: "unchanged: equal to the current snapshot \(current.path); nothing published"
                        )
                    }
                    return Summary(
                        path: current.path,
                        isCurrent: true,
                        buildID: current.metadata.buildID,
                        titles: resolved.titles.count,
                        records: records.count,
                        bytes: 0,
                        seconds: Date().timeIntervalSince(started),
                        phases: phases,
                        embeddings: nil,
                        resolution: resolution,
                        unchanged: true,
                        withoutVectors: current.metadata.withoutVectors
                    )
                }
            }
            var vectors: EmbeddedVectors?
            var embeddingReport: CatalogEmbedder.Report?
            if let embedder {
                starting("embed", detail: "\(resolved.titles.count) titles, cached ones read from staging")
                // Counts the titles to compute: those from the cache take no time.
                var embedProgress: (@Sendable (Int, Int) -> Void)?
                if let onProgress {
                    embedProgress = { done, total in
                        onProgress(StepProgress(step: "embed", done: done, total: total, unit: "titles"))
                    }
                }
                let (byTitleID, report) = try await CatalogEmbedder(embedder: embedder).embed(
                    resolved.titles,
                    cache: StagedEmbeddingCache(store: store),
                    progress: embedProgress
                )
                vectors = EmbeddedVectors(
                    modelID: embedder.modelID,
                    dimension: embedder.dimension,
                    byTitleID: byTitleID
                )
                embeddingReport = report
                logger.info(
                    "embedded titles",
                    metadata: [
                        "embed.model": "\(embedder.modelID)", "embed.cached": "\(report.cached)",
                        "embed.computed": "\(report.computed)",
                    ]
                )
                lap("embed")
            }
            var sourceCounts: [String: Int] = [:]
            for record in records { sourceCounts[record.source, default: 0] += 1 }
            let buildID = UUID()
            // The snapshot this one follows: its vector graph lends the titles whose vectors did
            // not change their links, and the change file is computed against it. One that
            // cannot be read lends nothing and leaves the change file out, not the publish.
            var previous: Snapshot?
            if let current {
                do {
                    previous = try Snapshot(path: current.path)
                } catch {
                    logger.warning("no change file and a graph built from scratch: \(error)")
                }
            }
            starting("write", detail: "\(resolved.titles.count) titles")
            let bytes = try writer.makeSnapshot(
                titles: resolved.titles,
                sourceCounts: sourceCounts,
                aliases: resolved.identity.aliases,
                vectors: vectors,
                withoutVectors: withoutVectors,
                buildID: buildID,
                builtAt: started,
                contentDigest: digest,
                previous: previous,
                progress: onProgress
            )
            lap("write")
            // What this publish changes against the current snapshot, for /v1/changes. A
            // previous snapshot that cannot be read leaves the change file out, not the publish.
            var changes: ChangeSet?
            if let current, let previous {
                starting("changes", detail: "against \((current.path as NSString).lastPathComponent)")
                do {
                    changes = try ChangeSet(
                        old: previous,
                        oldName: (current.path as NSString).lastPathComponent,
                        titles: resolved.titles,
                        aliases: resolved.identity.aliases,
                        buildID: buildID.uuidString.lowercased()
                    )
                } catch {
                    logger.warning("no change file for this publish: \(error)")
                }
                lap("changes")
            }
            starting("publish", detail: "verifying \(bytes.count / 1_000_000) MB, then making it current")
            let publication = try directory.publish(
                bytes,
                builtAt: started,
                buildID: buildID.uuidString.lowercased(),
                keep: keep,
                makeCurrent: makeCurrent,
                changes: makeCurrent ? changes : nil
            )
            lap("publish")
            let path = publication.path
            var counts = IngestCounts()
            counts.read = records.count
            if let runID {
                try store.finishRun(id: runID, outcome: .success, counts: counts, snapshot: path)
            }
            logger.info(
                "published snapshot",
                metadata: ["snapshot.path": "\(path)", "snapshot.titles": "\(resolved.titles.count)"]
            )
            return Summary(
                path: path,
                isCurrent: publication.isCurrent,
                buildID: buildID.uuidString.lowercased(),
                titles: resolved.titles.count,
                records: records.count,
                bytes: bytes.count,
                seconds: Date().timeIntervalSince(started),
                phases: phases,
                embeddings: embeddingReport,
                resolution: resolution,
                withoutVectors: embedder == nil ? withoutVectors : nil
            )
        } catch {
            if let runID {
                try? store.finishRun(id: runID, outcome: .failed, counts: IngestCounts(), message: "\(error)")
            }
            throw error
        }
    }
}

extension SnapshotBuilder {
    /// Refuses (unless ``allowCapabilityLoss``) a build that would make current a snapshot
    /// without a capability the current one has. Checked before embedding and writing, from what
    /// the build will produce: vectors when there is an embedder, a graph when the catalog
    /// reaches the writer's threshold.
    func checkCapabilities(current: (path: String, metadata: SnapshotMetadata), titles: Int) throws {
        guard !allowCapabilityLoss else { return }
        var planned: SnapshotMetadata.Capabilities = []
        if embedder != nil {
            planned.insert(.vectors)
            if titles >= writer.graphThreshold { planned.insert(.graph) }
        }
        let lost = current.metadata.capabilities.subtracting(planned)
        guard !lost.isEmpty else { return }
        var reason = ""
        if lost.contains(.vectors) {
            reason = "this build has none (\(withoutVectors))"
        } else {
            reason =
                "this build's \(titles) titles are below the graph threshold of \(writer.graphThreshold)"
        }
        throw MediaError(
            .refused,
            "refusing to publish: the current snapshot \(current.path) has \(lost), and \(reason); "
                + "install the embedding model (scripts/install-model.sh) or allow the loss with "
                + "--allow-capability-loss"
        )
    }
}

/// The embedding cache kept in staging, for the embedding stage (which holds no database).
struct StagedEmbeddingCache: EmbeddingCache {
    let store: any EmbeddingCacheStore

    func cachedEmbeddings(model: String, textHashes: [Data]) throws -> [Data: [Float]] {
        try store.cachedEmbeddings(model: model, textHashes: textHashes)
    }

    func storeEmbeddings(model: String, _ vectors: [(textHash: Data, vector: [Float])]) throws {
        try store.storeEmbeddings(model: model, vectors)
    }
}

/// The stores a build reads and writes: records, run history, resolution's state and the
/// embedding cache.
public typealias BuildStores = RecordStore & RunStore & IdentityStore & EmbeddingCacheStore
