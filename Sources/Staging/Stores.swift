import Foundation
import MediaModel

// The focused stores over the one staging database. `StagingStore` owns the database (one file,
// its schema and migrations, one writer) and is each of these; a stage asks for the ones it uses,
// so what it can touch is in its signature and a test can hand it a store of its own.

/// Staged records and their raw archive: pages committed with their cursors, tombstones, the
/// quarantine, and what reprocessing and resolution read.
public protocol RecordStore: Sendable {
    /// Where the database is, for messages.
    var path: String { get }
    func commit(_ page: StagedPage, runID: Int64) throws -> IngestCounts
    func commit(_ pages: [PreparedPage], runID: Int64) throws -> IngestCounts
    func tombstoneUnseen(source: String, runID: Int64) throws -> Int
    func liveRecords(source: String?) throws -> [SourceRecord]
    func recordsFingerprint() throws -> RecordsFingerprint
    func recordKeys(changedAfter run: Int64) throws -> Set<String>
    func statistics() throws -> [SourceStatistics]
    func quarantine(source: String?, limit: Int) throws -> [QuarantineEntry]
    func rawPayload(sha256: String) throws -> Data?
    func rawPayloadsContain(_ bytes: Data) throws -> Bool
    func reprocessPlan(source: String) throws -> ReprocessPlan
    func clearQuarantine(source: String, rawSHA256: String, locations: [String]) throws
}

/// Run history and the streams' cursors.
public protocol RunStore: Sendable {
    func beginRun(job: String, kind: String) throws -> Int64
    func finishRun(
        id: Int64,
        outcome: RunOutcome,
        counts: IngestCounts,
        snapshot: String?,
        message: String?,
        stages: String?
    ) throws
    func runs(job: String?, limit: Int) throws -> [RunRecord]
    func run(id: Int64) throws -> RunRecord?
    func pruneRuns(job: String, startedBefore cutoff: Date) throws -> Int
    func recordStream(runID: Int64, stream: StreamRecord) throws
    func streams(runID: Int64) throws -> [StreamRecord]
    func lastStreamOutcomes(job: String) throws -> [String: StreamOutcome]
    func cursor(job: String, stream: String) throws -> String?
    func saveCursor(_ cursor: StagedPage.Cursor) throws
    func deleteCursor(job: String, stream: String) throws
}

/// Providers' daily quota, shared by every process and run of the day.
public protocol QuotaStore: Sendable {
    func quotaUsed(provider: String, key: String, day: String) throws -> Int
    func chargeQuota(provider: String, key: String, day: String, units: Int) throws -> Int
}

/// Job locks, held across processes.
public protocol LockStore: Sendable {
    func acquireLock(job: String, holder: LockHolder, isStale: (LockHolder) -> Bool) throws -> LockAttempt
    func releaseLock(job: String, holder: LockHolder) throws
    func locks() throws -> [String: LockHolder]
}

/// What resolution keeps between builds: the identity map, its state and the review list.
public protocol IdentityStore: Sendable {
    func identityMap() throws -> IdentityMap
    func saveIdentityMap(_ map: IdentityMap, previous: IdentityMap?) throws
    func resolutionState() throws -> ResolutionState?
    func saveResolutionState(_ state: ResolutionState) throws
    func saveReviewPairs(_ pairs: [ReviewPair]) throws
    func reviewPairs(limit: Int) throws -> [ReviewPair]
}

/// Vectors by model and text hash, so an unchanged text is never embedded twice.
public protocol EmbeddingCacheStore: Sendable {
    func cachedEmbeddings(model: String, textHashes: [Data]) throws -> [Data: [Float]]
    func storeEmbeddings(model: String, _ vectors: [(textHash: Data, vector: [Float])]) throws
}

/// Which change sets each event sink has acknowledged.
public protocol EventDeliveryStore: Sendable {
    func eventDeliveries(sink: String) throws -> [String: StagingStore.EventDelivery]
    func recordEventDelivery(sink: String, _ delivery: StagingStore.EventDelivery) throws
    func pruneEventDeliveries(sink: String, keeping kept: Set<String>) throws
}

extension RunStore {
    /// Records how a run ended, with what it has of a snapshot and a message.
    public func finishRun(
        id: Int64,
        outcome: RunOutcome,
        counts: IngestCounts,
        snapshot: String? = nil,
        message: String? = nil
    ) throws {
        try finishRun(id: id, outcome: outcome, counts: counts, snapshot: snapshot, message: message, stages: nil)
    }
}

extension StagingStore: RecordStore, RunStore, QuotaStore, LockStore, IdentityStore, EmbeddingCacheStore,
    EventDeliveryStore
{}
