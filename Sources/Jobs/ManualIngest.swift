import Connectors
import Foundation
import Logging
import MediaModel
import Staging

/// One provider's streams pulled by hand (`mediagw ingest`): all of them, the named ones, or a
/// refresh of single titles, optionally as a backfill of a time window.
public struct ManualIngest: Sendable {
    public var configuration: ConnectorConfiguration
    /// Only these streams; empty runs every configured one.
    public var streams: [String] = []
    /// Refresh these titles instead of running streams (Streaming Availability `/shows/{id}`).
    public var shows: [String] = []
    public var backfill: TimeWindow?
    /// The backfill's step in seconds.
    public var step: TimeInterval = 7 * 86_400
    public var pageLimit: Int?
    /// The job the cursors belong to; `ingest:<provider>` when nil.
    public var job: String?

    public init(configuration: ConnectorConfiguration) {
        self.configuration = configuration
    }

    /// The streams to run; an unknown stream name is a configuration error naming the file.
    func selectedStreams(ledger: any QuotaLedger, logger: Logger) throws -> [any IngestStream] {
        if !shows.isEmpty {
            return [try Connector.refreshStream(ids: shows, for: configuration, ledger: ledger, logger: logger)]
        }
        let configured = try Connector.streams(for: configuration, ledger: ledger, logger: logger)
        guard !streams.isEmpty else { return configured }
        let known = configured.map(\.name)
        if let unknown = streams.first(where: { !known.contains($0) }) {
            throw MediaError(
                .configuration,
                "\(configuration.file): no stream '\(unknown)' is configured (configured: \(known.joined(separator: ", ")))"
            )
        }
        return configured.filter { streams.contains($0.name) }
    }

    /// Runs the streams into `store` and returns what they did.
    public func run(store: any RecordStore & RunStore & QuotaStore, logger: Logger) async throws -> IngestRunner.Report
    {
        let ledger = QuotaReservations(StagingQuotaLedger(store: store))
        let selected = try selectedStreams(ledger: ledger, logger: logger)
        var runner = IngestRunner(
            store: store,
            job: job ?? "ingest:\(configuration.provider)",
            logger: logger,
            pageLimit: pageLimit
        )
        // A refresh is a list of its own each time, never a resumption of the last one.
        if !shows.isEmpty { runner.startOver = ["\(configuration.provider)/refresh"] }
        let report = try await runner.run(selected, backfill: backfill, step: step)
        try await ledger.settle()
        return report
    }
}
