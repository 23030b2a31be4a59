import Connectors
import Events
import Foundation
import HTTPClient
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

/// Where a small setup sends its change events instead of (or beside) NATS: the job's alert
/// webhook, in batches (`publish: {events: {webhook: {batch: N}}}`).
public struct WebhookEventSink: Sendable, Hashable {
    /// The alert webhook's source (the URL itself is a secret).
    public var webhook: KeySource
    /// Changes per request.
    public var batch: Int

    public static let defaultBatch = 500

    public init(webhook: KeySource, batch: Int = defaultBatch) {
        self.webhook = webhook
        self.batch = batch
    }

    public var ledgerName: String { "webhook \(webhook)" }
}

/// A destination for change events: NATS JetStream, or the alert webhook.
public enum ChangeEventSink: Sendable, Hashable {
    case nats(NATSEventSink)
    case webhook(WebhookEventSink)

    public var ledgerName: String {
        switch self {
        case .nats(let sink): return sink.ledgerName
        case .webhook(let sink): return sink.ledgerName
        }
    }

    /// Where the events go, for messages (never the webhook's URL).
    public var description: String {
        switch self {
        case .nats(let sink): return "\(sink.address) (\(sink.subjectPrefix).>)"
        case .webhook(let sink): return "the alert webhook (\(sink.webhook))"
        }
    }
}

/// Sends each publish's changes to a ``ChangeEventSink`` at least once, in order, and records in
/// staging how far each change set got, so that an outage loses nothing: the next publish
/// sends what was not acknowledged, from where it stopped (the stream drops the duplicates of a
/// half-acknowledged window by message id).
///
/// A sink's first delivery sends the newest change set only, not the whole retained history.
public struct ChangeEventDelivery: Sendable {
    public let store: any EventDeliveryStore
    public var logger: Logger
    /// Carries webhook requests.
    public var transport: any HTTPTransport = URLSessionTransport()

    public init(store: any EventDeliveryStore, logger: Logger) {
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
        to sink: ChangeEventSink,
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
        // What is owed is on record before anything can fail: a sink whose first delivery finds
        // the broker down still owes this set, not only the next publish's.
        let sets = try pending.map { name in
            let file = directory.changesPath(for: name)
            return (name, try ChangeSet(jsonLines: try Data(contentsOf: URL(fileURLWithPath: file)), file: file))
        }
        for (name, set) in sets where deliveries[name] == nil {
            try store.recordEventDelivery(
                sink: ledger,
                StagingStore.EventDelivery(changeSet: name, total: set.changes.count, acknowledged: 0)
            )
        }

        let channel = try await open(sink, environment: environment)
        do {
            try await send(sets, over: channel, sink: sink, deliveries: deliveries, into: &report)
        } catch {
            await channel.close(cleanly: false)
            throw error
        }
        await channel.close(cleanly: true)
        report.seconds = Date().timeIntervalSince(started)
        logger.info("\(report.summary) by \(sink.description)")
        return report
    }

    private func open(_ sink: ChangeEventSink, environment: [String: String]) async throws -> any EventChannel {
        switch sink {
        case .nats(let nats):
            var credentials: NATSCredentials?
            if let variable = nats.credentialsVariable {
                guard let value = environment[variable], !value.isEmpty else {
                    throw MediaError(.configuration, "credentials_env names \(variable), which is not set")
                }
                credentials = NATSCredentials(value)
            }
            let connection = try await NATSConnection.connect(to: nats.address, credentials: credentials)
            return NATSChannel(connection: connection, prefix: nats.subjectPrefix)
        case .webhook(let webhook):
            let text = try webhook.webhook.load(environment: environment).value
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? "") else {
                throw MediaError(.configuration, "\(webhook.webhook) does not hold an http(s) URL")
            }
            return WebhookChannel(url: url, batch: webhook.batch, transport: transport)
        }
    }

    private func send(
        _ sets: [(name: String, set: ChangeSet)],
        over channel: any EventChannel,
        sink: ChangeEventSink,
        deliveries: [String: StagingStore.EventDelivery],
        into report: inout Report
    ) async throws {
        let ledger = sink.ledgerName
        for (name, set) in sets {
            let start = min(deliveries[name]?.acknowledged ?? 0, set.changes.count)
            var delivery = StagingStore.EventDelivery(changeSet: name, total: set.changes.count, acknowledged: start)
            let progress = await channel.send(set, from: start) { acknowledged in
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
                    "change events to \(sink.description) stopped: \(error.message); \(left) of \(set.changes.count) "
                        + "changes of \(name) are still to send, and the next publish sends them"
                )
            }
            report.changeSets += 1
        }
    }
}

/// One open destination: sends a change set from a position on, reporting progress as it is
/// acknowledged.
protocol EventChannel: Sendable {
    func send(_ set: ChangeSet, from start: Int, progress: @escaping (Int) throws -> Void) async
        -> ChangeEvents.Progress
    func close(cleanly: Bool) async
}

struct NATSChannel: EventChannel {
    let connection: NATSConnection
    let prefix: String

    func send(_ set: ChangeSet, from start: Int, progress: @escaping (Int) throws -> Void) async
        -> ChangeEvents.Progress
    {
        await ChangeEvents.send(set, from: start, prefix: prefix, over: connection, progress: progress)
    }

    func close(cleanly: Bool) async {
        if cleanly { await connection.close() } else { await connection.abort() }
    }
}

/// Change events to the alert webhook: `batch` changes per POST, each request carrying the id
/// of its first change (`Idempotency-Key`) so that a receiver can drop a resend. A request is
/// retried on 5xx, 429 and network failures; one that still fails stops the send.
struct WebhookChannel: EventChannel {
    let url: URL
    let batch: Int
    let transport: any HTTPTransport

    struct Body: Encodable {
        var type = "mediagw.changes"
        var id: String
        var from: String
        var to: String
        var first: Int
        var total: Int
        var changes: [ChangeSet.Change]
    }

    func send(_ set: ChangeSet, from start: Int, progress: @escaping (Int) throws -> Void) async
        -> ChangeEvents.Progress
    {
        var result = ChangeEvents.Progress(acknowledged: start, duplicates: 0)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let backoff = Backoff(maxAttempts: 3, baseDelay: .milliseconds(500), maxDelay: .seconds(5))
        var random = SystemRandomNumberGenerator()
        var first = start
        while first < set.changes.count {
            let end = min(first + batch, set.changes.count)
            let id = ChangeEvents.messageID(set, index: first)
            var failure: String?
            do {
                let body = try encoder.encode(
                    Body(
                        id: id,
                        from: set.from,
                        to: set.to,
                        first: first,
                        total: set.changes.count,
                        changes: Array(set.changes[first..<end])
                    )
                )
                let request = HTTPRequest(
                    method: "POST",
                    url: url,
                    headers: ["Content-Type": "application/json", "Idempotency-Key": id],
                    body: body,
                    timeout: 30
                )
                for attempt in 1...backoff.maxAttempts {
                    do {
                        let response = try await transport.send(request)
                        if (200..<300).contains(response.status) {
                            failure = nil
                            break
                        }
                        failure = "the webhook answered HTTP \(response.status)"
                        if response.status < 500 && response.status != 429 { break }
                    } catch {
                        failure = "the webhook could not be reached"
                    }
                    if attempt < backoff.maxAttempts {
                        try? await Task.sleep(for: backoff.jitteredDelay(afterAttempt: attempt, using: &random))
                    }
                }
                if failure == nil {
                    result.acknowledged = end
                    try progress(end)
                }
            } catch {
                failure = "\(error)"
            }
            if let failure {
                result.error = MediaError(.io, failure)
                return result
            }
            first = end
        }
        return result
    }

    func close(cleanly: Bool) async {}
}
