import Connectors
import Foundation
import Logging
import MediaModel
import Staging

/// Runs connector streams into staging, page by page.
///
/// Each page commits in one transaction with its raw payloads, records, quarantined rejections
/// and the stream's cursor, so a crash or `kill -9` resumes at the next page with nothing lost
/// or counted twice. Streams run side by side; one failing or running out of quota does not stop
/// the others. A backfill pulls a time window in steps under a cursor of its own, leaving the
/// scheduled cursor alone.
public struct IngestRunner: Sendable {
    /// How one stream ended.
    public struct StreamReport: Sendable, Codable, Equatable {
        public typealias Outcome = StreamOutcome

        /// `provider/stream`.
        public var stream: String
        public var outcome: Outcome
        public var pages: Int
        /// HTTP requests sent (retries included) and quota units charged.
        public var requests: Int
        public var quotaUnits: Int
        public var counts: IngestCounts
        public var resumesAfter: Date?
        public var message: String?
        /// Provider values without a mapping (`genre:Anime`) and how often they came up.
        public var unmapped: [String: Int]

        /// The report as run history keeps it.
        public func record() throws -> StreamRecord {
            StreamRecord(
                stream: stream,
                outcome: outcome,
                pages: pages,
                requests: requests,
                quotaUnits: quotaUnits,
                counts: counts,
                resumesAfter: resumesAfter?.formatted(.iso8601),
                message: message,
                unmappedJSON: unmapped.isEmpty
                    ? nil : String(decoding: try JSONEncoder.sorted.encode(unmapped), as: UTF8.self)
            )
        }
    }

    /// What a run did.
    public struct Report: Sendable, Codable, Equatable {
        public var runID: Int64
        public var streams: [StreamReport]

        public var counts: IngestCounts {
            streams.reduce(into: IngestCounts()) { $0 += $1.counts }
        }

        /// `success`, `partial` (some streams failed or stopped early, or records were
        /// quarantined), `quota-exhausted` (stopped cleanly, resumes later) or `failed` (every
        /// stream failed).
        public var outcome: RunOutcome {
            let failed = streams.filter { $0.outcome == .failed }.count
            if failed > 0 { return failed == streams.count ? .failed : .partial }
            if streams.contains(where: { $0.outcome == .stopped }) { return .partial }
            if streams.contains(where: { $0.outcome == .quotaExhausted }) { return .quotaExhausted }
            return counts.quarantined > 0 ? .partial : .success
        }

        /// The streams' messages in one line.
        public var message: String? {
            let messages = streams.compactMap { report in report.message.map { "\(report.stream): \($0)" } }
            return messages.isEmpty ? nil : messages.joined(separator: "; ")
        }
    }

    public let store: any RecordStore & RunStore
    /// The job the cursors belong to.
    public let job: String
    public var logger: Logger
    /// Stop each stream after this many pages (a budget for a run; nil: until done).
    public var pageLimit: Int?
    /// Streams stop at the first page boundary after this moment, cursor saved.
    public var deadline: Date?
    /// Streams named here (`provider/stream`) start over from the beginning instead of their cursor.
    public var startOver: Set<String> = []
    /// Called after each committed page with the stream's progress.
    public var onPage: (@Sendable (PageProgress) -> Void)?

    public init(store: any RecordStore & RunStore, job: String, logger: Logger, pageLimit: Int? = nil) {
        self.store = store
        self.job = job
        self.logger = logger
        self.pageLimit = pageLimit
    }

    /// Runs `streams` (in parallel) and records the run. With `backfill`, streams that support
    /// windows fetch it in steps of `step`; the others are skipped. With `runID`, the streams are
    /// recorded under that run and finishing it is left to the caller.
    public func run(
        _ streams: [any IngestStream],
        kind: String = "ingest",
        backfill: TimeWindow? = nil,
        step: TimeInterval = 7 * 86_400,
        runID existing: Int64? = nil
    ) async throws -> Report {
        let runID = try existing ?? store.beginRun(job: job, kind: backfill == nil ? kind : "backfill")
        let selected = backfill == nil ? streams : streams.filter(\.supportsWindows)
        let reports = await withTaskGroup(of: (Int, StreamReport).self) { group in
            for (index, stream) in selected.enumerated() {
                group.addTask {
                    (index, await runStream(stream, runID: runID, backfill: backfill, step: step))
                }
            }
            var reports: [(Int, StreamReport)] = []
            for await report in group { reports.append(report) }
            return reports.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let report = Report(runID: runID, streams: reports)
        for stream in reports {
            try store.recordStream(runID: runID, stream: try stream.record())
        }
        guard existing == nil else { return report }
        try store.finishRun(
            id: runID,
            outcome: report.outcome,
            counts: report.counts,
            message: report.message
        )
        return report
    }

    private func runStream(_ stream: any IngestStream, runID: Int64, backfill: TimeWindow?, step: TimeInterval) async
        -> StreamReport
    {
        let tally = CallTally()
        var report = await CallTally.$current.withValue(tally) {
            await runStream(stream, runID: runID, backfill: backfill, step: step, tally: tally)
        }
        report.requests = tally.requests
        report.quotaUnits = tally.units
        return report
    }

    private func runStream(
        _ stream: any IngestStream,
        runID: Int64,
        backfill: TimeWindow?,
        step: TimeInterval,
        tally: CallTally
    ) async -> StreamReport {
        let label = "\(stream.source)/\(stream.name)"
        var report = StreamReport(
            stream: label,
            outcome: .completed,
            pages: 0,
            requests: 0,
            quotaUnits: 0,
            counts: IngestCounts(),
            unmapped: [:]
        )
        let steps = backfill?.steps(of: step) ?? []
        // Cursors are kept per (job, provider/stream); a backfill's per window.
        let key: String
        if let backfill {
            key =
                "backfill:\(label):\(Int(backfill.from.timeIntervalSince1970))-\(Int(backfill.to.timeIntervalSince1970))"
        } else {
            key = label
        }
        let passKey = "\(key)#listing-began"
        do {
            if backfill == nil && startOver.contains(label) {
                try store.deleteCursor(job: job, stream: key)
                try store.deleteCursor(job: job, stream: passKey)
            }
            let saved = try store.cursor(job: job, stream: key)
            var position = BackfillCursor(step: 0, inner: saved)
            if backfill != nil {
                position =
                    try saved.map { try JSONDecoder().decode(BackfillCursor.self, from: Data($0.utf8)) }
                    ?? BackfillCursor(step: 0)
            }
            // A full listing may span runs (a crash, a quota stop): remember the run it began in.
            var listingBegan: Int64? = nil
            if stream.isFullListing && backfill == nil {
                if let began = try store.cursor(job: job, stream: passKey).flatMap(Int64.init) {
                    listingBegan = began
                } else {
                    listingBegan = runID
                    try store.saveCursor(.init(job: job, stream: passKey, value: String(runID)))
                }
            }
            // Pages are fetched, parsed and prepared by a task of their own while earlier ones
            // commit; pages that pile up commit together (PageQueue).
            let queue = PageQueue<ReadyPage, FetchEnd>(capacity: Self.pagesAhead)
            let plan = FetchPlan(
                stream: stream,
                start: position,
                steps: steps,
                key: key,
                passKey: passKey,
                listingBegan: listingBegan
            )
            let failure: (any Error)? = await withTaskGroup(of: Void.self) { group in
                group.addTask { await fetch(plan, into: queue) }
                defer { queue.close() }
                while true {
                    let (ready, end) = await queue.take()
                    if !ready.isEmpty {
                        do {
                            var prepared: [PreparedPage] = []
                            for page in ready { prepared.append(try await page.prepared.value) }
                            report.counts += try store.commit(prepared, runID: runID)
                        } catch {
                            group.cancelAll()
                            return error
                        }
                        report.pages += ready.count
                        for page in ready {
                            for (value, count) in page.unmapped { report.unmapped[value, default: 0] += count }
                        }
                        onPage?(
                            PageProgress(
                                stream: label,
                                pages: report.pages,
                                counts: report.counts,
                                fraction: ready.last!.fraction
                            )
                        )
                        logger.debug(
                            "committed pages",
                            metadata: [
                                "stream": "\(label)", "pages": "\(ready.count)",
                                "items": "\(ready.reduce(0) { $0 + $1.items })",
                                "cursor": "\(ready.last!.cursor.prefix(120))",
                            ]
                        )
                    }
                    switch end {
                    case nil: continue
                    case .done: return nil
                    case .paused(let message):
                        report.outcome = .paused
                        report.message = message
                        return nil
                    case .stopped(let message):
                        report.outcome = .stopped
                        report.message = message
                        return nil
                    case .failed(let error): return error
                    }
                }
            }
            if let failure { throw failure }
        } catch  where Task.isCancelled {
            // A stopped run (a signal) surfaces as whatever the request in flight threw.
            report.outcome = .stopped
            report.message = "stopped after \(report.pages) pages; resumes from its cursor"
            logger.notice("\(label): \(report.message!)")
        } catch ConnectorError.quotaExhausted(_, let date) {
            report.outcome = .quotaExhausted
            report.resumesAfter = date
            report.message = "quota exhausted, resumes after \(date.formatted(.iso8601))"
            logger.notice("\(label): \(report.message!)")
        } catch {
            report.outcome = .failed
            report.message = (error as? ConnectorError)?.description ?? "\(error)"
            logger.error("\(label) failed: \(report.message!)")
        }
        return report
    }

}

extension IngestRunner {
    /// Pages a stream may fetch ahead of its commits, and so the most one transaction holds.
    public static let pagesAhead = 16

    /// A fetched page ready to commit, with what the runner reports about it.
    struct ReadyPage: Sendable {
        /// Hashing, compressing and encoding run in a task of their own, on whichever core is
        /// free, while the fetcher goes on to the next page.
        var prepared: Task<PreparedPage, any Error>
        var items: Int
        var cursor: String
        var unmapped: [String: Int]
        var fraction: Double?
    }

    /// Why a stream's fetching ended.
    enum FetchEnd: Sendable {
        case done
        case paused(String)
        case stopped(String)
        case failed(any Error)
    }

    /// Where a stream's fetching starts and what its cursors are called.
    struct FetchPlan: Sendable {
        var stream: any IngestStream
        var start: BackfillCursor
        /// A backfill's windows (empty: a scheduled pass).
        var steps: [TimeWindow]
        var key: String
        var passKey: String
        var listingBegan: Int64?
    }

    struct BackfillCursor: Codable, Sendable {
        var step: Int
        var inner: String?
    }

    /// Fetches pages from `plan.start` until the stream or backfill is done, the page budget is
    /// spent or the deadline has passed, preparing each for its commit. Every run fetches at
    /// least one page, however late it starts, so it always advances.
    func fetch(_ plan: FetchPlan, into queue: PageQueue<ReadyPage, FetchEnd>) async {
        let backfill = !plan.steps.isEmpty
        var position = plan.start
        var fetched = 0
        if pageLimit == 0 { return queue.finish(.done) }
        while true {
            if backfill && position.step >= plan.steps.count { return queue.finish(.done) }
            if let deadline, fetched > 0, Date() >= deadline {
                return queue.finish(
                    .stopped("stopped at the run's time limit after \(fetched) pages; resumes from its cursor")
                )
            }
            let ready: ReadyPage
            var next = position
            var isLast = false
            do {
                let window = backfill ? plan.steps[position.step] : nil
                let page = try await plan.stream.next(after: position.inner, window: window)
                fetched += 1
                isLast = page.isLast
                next.inner = page.cursor
                if backfill && page.isLast {
                    next = BackfillCursor(step: position.step + 1)
                }
                let value =
                    backfill ? String(decoding: try JSONEncoder.sorted.encode(next), as: UTF8.self) : page.cursor
                var staged = page.staged(
                    source: plan.stream.source,
                    cursor: .init(job: job, stream: plan.key, value: value)
                )
                if page.completesPass, let began = plan.listingBegan {
                    staged.endsListingBegunIn = began
                    staged.clearedCursors = [.init(job: job, stream: plan.passKey, value: "")]
                }
                // A backfill knows its steps; a stream may know how far through its pass it is.
                let fraction =
                    backfill
                    ? (Double(position.step) + (page.isLast ? 1 : (page.progress ?? 0))) / Double(plan.steps.count)
                    : page.progress
                ready = ReadyPage(
                    prepared: Task { [staged] in try PreparedPage(staged) },
                    items: page.items.count,
                    cursor: value,
                    unmapped: page.unmapped,
                    fraction: fraction
                )
            } catch {
                return queue.finish(.failed(error))
            }
            guard await queue.put(ready) else { return }
            if backfill ? next.step >= plan.steps.count : isLast { return queue.finish(.done) }
            if let pageLimit, fetched >= pageLimit {
                return queue.finish(.paused("paused at the page budget (\(pageLimit) pages); resumes from its cursor"))
            }
            position = next
        }
    }
}

/// Where a stream is after a committed page.
public struct PageProgress: Sendable {
    /// `provider/stream`.
    public var stream: String
    public var pages: Int
    public var counts: IngestCounts
    /// How far through its pass or backfill (0…1), when the stream can tell.
    public var fraction: Double?

    public init(stream: String, pages: Int, counts: IngestCounts, fraction: Double? = nil) {
        self.stream = stream
        self.pages = pages
        self.counts = counts
        self.fraction = fraction
    }
}
