import Events
import Foundation
import Logging
import MediaModel
import Snapshots
import Staging

/// Where a publish sends its change events: a NATS server with JetStream and a subject prefix
/// (`publish: {events: {nats: {url, subject_prefix, credentials_env}}}`, or
/// `build --events-nats URL`).
public struct NATSEventSink: Sendable, Hashable {
    public var address: NATSAddress
    public var subjectPrefix: String
    /// The environment variable holding a token or `user:password`; nil connects without.
    public var credentialsVariable: String?

    public static let defaultPrefix = "mediagw.changes"

    public init(address: NATSAddress, subjectPrefix: String = defaultPrefix, credentialsVariable: String? = nil) {
        self.address = address
        self.subjectPrefix = subjectPrefix
        self.credentialsVariable = credentialsVariable
    }

    /// The name the delivery ledger keeps this sink's progress under.
    public var ledgerName: String { "\(address)/\(subjectPrefix)" }
}

/// Sends each publish's changes to a ``NATSEventSink`` at least once, in order, and records in
/// staging how far each change set got, so that an outage loses nothing: the next publish
/// sends what was not acknowledged, from where it stopped (the stream drops the duplicates of a
/// half-acknowledged window by message id).
///
/// A sink's first delivery sends the newest change set only, not the whole retained history.
public struct ChangeEventDelivery: Sendable {
    public let store: StagingStore
    public var logger: Logger

    public init(store: StagingStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public struct Report: Sendable, Codable, Equatable {
        /// Change sets sent in full by this delivery.
        public var changeSets = 0
        /// Changes acknowledged by the stream in this delivery.
        public var events = 0
        /// Of those, the ones the stream already had (a resend after an outage).
        public var duplicates = 0
        public var seconds = 0.0

        public var summary: String {
            "\(events) change events in \(changeSets) change sets acknowledged"
                + (duplicates > 0 ? " (\(duplicates) already in the stream)" : "")
        }
    }

    /// Delivers what `directory`'s change files hold and `sink` has not acknowledged. A failure
    /// throws after recording the progress made, naming the sink and what is still to send.
    public func deliver(
        _ directory: SnapshotDirectory,
        to sink: NATSEventSink,
        environment: [String: String]
    ) async throws -> Report {
        let started = Date()
        var report = Report()
        let kept = directory.changeFileSnapshots()
        let ledger = sink.ledgerName
        let deliveries = try store.eventDeliveries(sink: ledger)
        let pending: [String]
        if let first = deliveries.keys.min() {
            pending = kept.filter { name in name >= first && deliveries[name]?.complete != true }
        } else {
            pending = kept.last.map { [$0] } ?? []
        }
        defer { try? store.pruneEventDeliveries(sink: ledger, keeping: Set(kept)) }
        guard !pending.isEmpty else { return report }

        var credentials: NATSCredentials?
        if let variable = sink.credentialsVariable {
            guard let value = environment[variable], !value.isEmpty else {
                throw MediaError(.configuration, "credentials_env names \(variable), which is not set")
            }
            credentials = NATSCredentials(value)
        }
        let connection = try await NATSConnection.connect(to: sink.address, credentials: credentials)
        do {
            try await send(pending, of: directory, over: connection, sink: sink, deliveries: deliveries, into: &report)
        } catch {
            await connection.abort()
            throw error
        }
        await connection.close()
        report.seconds = Date().timeIntervalSince(started)
        logger.info("\(report.summary) by \(sink.address)")
        return report
    }

    private func send(
        _ pending: [String],
        of directory: SnapshotDirectory,
        over connection: NATSConnection,
        sink: NATSEventSink,
        deliveries: [String: StagingStore.EventDelivery],
        into report: inout Report
    ) async throws {
        let ledger = sink.ledgerName
        for name in pending {
            let file = directory.changesPath(for: name)
            let set = try ChangeSet(jsonLines: try Data(contentsOf: URL(fileURLWithPath: file)), file: file)
            let start = min(deliveries[name]?.acknowledged ?? 0, set.changes.count)
            var delivery = StagingStore.EventDelivery(changeSet: name, total: set.changes.count, acknowledged: start)
            try store.recordEventDelivery(sink: ledger, delivery)
            let progress = await ChangeEvents.send(set, from: start, prefix: sink.subjectPrefix, over: connection) {
                acknowledged in
                delivery.acknowledged = acknowledged
                try store.recordEventDelivery(sink: ledger, delivery)
            }
            report.events += progress.acknowledged - start
            report.duplicates += progress.duplicates
            if let error = progress.error {
                delivery.acknowledged = progress.acknowledged
                try store.recordEventDelivery(sink: ledger, delivery)
                let left = set.changes.count - progress.acknowledged
                throw MediaError(
                    error.code,
                    "change events to \(sink.address) stopped: \(error.message); \(left) of \(set.changes.count) "
                        + "changes of \(name) are still to send, and the next publish sends them"
                )
            }
            report.changeSets += 1
        }
    }
}
