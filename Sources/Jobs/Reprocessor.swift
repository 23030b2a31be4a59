import Connectors
import Foundation
import Logging
import MediaModel
import Staging

/// Re-derives source records from the raw archive with the current mapping code and connector
/// tables, without fetching anything: after a mapping fix, `mediagw reprocess` brings staging in
/// line with what a fresh ingest would have produced.
///
/// Each live record is re-derived from the payload it last came from; an item quarantined earlier
/// is staged when it now maps (and its quarantine entry goes). Tombstoned records stay tombstoned.
public struct Reprocessor: Sendable {
    public struct Report: Sendable, Codable, Equatable {
        public var source: String
        public var payloads: Int
        public var counts: IngestCounts
        /// Quarantined items that now map.
        public var recovered: Int
        public var unmapped: [String: Int]
    }

    public let store: any RecordStore & RunStore
    public var logger: Logger

    public init(store: any RecordStore & RunStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Reprocesses `source` with `configuration`'s mapping, recording a `reprocess` run.
    public func reprocess(source: String, configuration: ConnectorConfiguration) throws -> Report {
        let remap = try Connector.remapper(for: configuration, logger: logger)
        let plan = try store.reprocessPlan(source: source)
        let runID = try store.beginRun(job: "reprocess:\(source)", kind: "reprocess")
        var report = Report(source: source, payloads: 0, counts: IngestCounts(), recovered: 0, unmapped: [:])
        do {
            for (sha, location, contentType) in plan.payloads {
                guard let body = try store.rawPayload(sha256: sha) else { continue }
                guard var page = remapped(body, location: location, contentType: contentType, with: remap) else {
                    continue
                }
                let quarantined = plan.quarantined[sha] ?? []
                page.items = page.items.filter { item in
                    let id = item.record.id
                    if plan.tombstoned.contains(id) { return false }
                    if let from = plan.livePayload[id] { return from == sha }
                    return quarantined.contains(item.location)
                }
                guard !page.items.isEmpty || !page.rejections.isEmpty else { continue }
                // The payload is archived already; staging it again keeps each record's reference.
                page.payloads = [RawPayload(body: body, location: location, contentType: contentType)]
                let staged = page.staged(source: source, cursor: nil)
                report.counts += try store.commit(staged, runID: runID)
                let recovered = page.items.map(\.location).filter(quarantined.contains)
                try store.clearQuarantine(source: source, rawSHA256: sha, locations: recovered)
                report.recovered += recovered.count
                report.payloads += 1
                for (value, count) in page.unmapped { report.unmapped[value, default: 0] += count }
            }
        } catch {
            try? store.finishRun(id: runID, outcome: .failed, counts: report.counts, message: "\(error)")
            throw error
        }
        try store.finishRun(id: runID, outcome: .success, counts: report.counts)
        return report
    }

    /// What an archived payload maps to now: nil when it carries no records or cannot be read.
    /// A payload of parts maps part by part into one page (its parts were one page's calls).
    private func remapped(
        _ body: Data,
        location: String,
        contentType: String,
        with remap: @Sendable (Data, String) throws -> FetchedPage?
    ) -> FetchedPage? {
        let parts: [ArchiveParts.Part]
        do {
            parts =
                contentType == ArchiveParts.contentType
                ? try ArchiveParts.unpack(body) : [.init(raw: body, location: location, contentType: contentType)]
        } catch {
            logger.warning("\(location): cannot be read again: \(error)")
            return nil
        }
        var page: FetchedPage?
        for part in parts {
            do {
                guard let mapped = try remap(part.raw, part.location) else { continue }
                guard var combined = page else {
                    page = mapped
                    continue
                }
                combined.items += mapped.items
                combined.rejections += mapped.rejections
                combined.unmapped.merge(mapped.unmapped, uniquingKeysWith: +)
                page = combined
            } catch {
                logger.warning("\(part.location): cannot be read again: \(error)")
            }
        }
        return page
    }
}
