// Why one file: a job file's schema and its parser are read side by side: each key's type, default
// and error message are in one place.

import ConfigFiles
import Connectors
import Events
import Foundation
import MediaModel
import ObjectStore
import Staging

/// A scheduled job, read from `jobs/<name>.yml`: what to ingest, when, and what follows.
///
/// Every error names the file, the key path and the line, and says what was expected; an unknown
/// key suggests the nearest known one.
public struct JobConfiguration: Sendable {
    /// One connector's part of a job.
    public struct Ingest: Sendable {
        /// Provider name; the connector file is `<connectors>/<connector>.yml`.
        public var connector: String
        /// Streams to run; empty runs every stream the connector file configures.
        public var streams: [String]
        /// Per-stream settings replacing the connector file's (`listing: {regions: [US]}`).
        public var settings: [String: ConfigNode]
        /// Where `connector` was written, for errors found later (a missing connector file).
        public var node: ConfigNode
    }

    /// What a run does after ingesting, in this order.
    public enum Step: String, Sendable, CaseIterable, Codable {
        case resolve, embed, build, publish
    }

    public enum Mode: String, Sendable, Codable {
        /// Each stream continues from its cursor.
        case incremental
        /// Each stream starts over from the beginning (a full resync); a run interrupted part-way
        /// is resumed, not restarted.
        case full
    }

    public struct Schedule: Sendable {
        public var cron: CronExpression
        public var timeZone: TimeZone
    }

    public struct Alerts: Sendable {
        public enum Format: String, Sendable { case json, slack }
        /// Where the webhook URL comes from; the URL itself is treated as a secret.
        public var webhook: KeySource
        public var format: Format
        /// Outcomes that send an alert.
        public var on: Set<RunOutcome>
    }

    /// An object store the job's published snapshot is uploaded to (`publish: {to: s3://…}`).
    public struct StorePublish: Sendable, Hashable {
        public var location: S3Location
        /// Endpoint URL; nil uses `AWS_ENDPOINT_URL` or AWS's own.
        public var endpoint: String?
        public var region: String?
        public var addressing: S3Configuration.Addressing?
        /// An AWS shared-credentials file; nil uses the `AWS_*` environment variables.
        public var credentialsFile: String?
    }

    /// The job's name: its file name without `.yml`.
    public var name: String
    public var file: String
    public var description: String?
    public var ingest: [Ingest]
    public var mode: Mode
    public var schedule: Schedule?
    public var steps: [Step]
    /// False opts the job's builds out of embedding (`embeddings: false`); otherwise a build
    /// embeds whenever a model is available, and `embed` in `then` makes a missing one an error.
    public var embeddings: Bool
    /// Run history older than this is deleted after each run of the job.
    public var keepRunsFor: TimeInterval
    /// Snapshots to keep when this job publishes.
    public var keepSnapshots: Int
    /// Streams stop (at a page boundary, cursor saved) once a run has taken this long.
    public var runTimeout: TimeInterval?
    /// A run waits this long for the job's lock before giving up (0: does not wait).
    public var lockWait: TimeInterval
    /// Pages per stream per run (a budget); nil runs streams to their end.
    public var maxPages: Int?
    /// Directory of snapshots this job publishes to; nil uses the command's `--snapshots`.
    public var snapshots: String?
    /// Where each published snapshot is also uploaded; nil keeps it local.
    public var publishTo: StorePublish?
    /// Where each publish's change events go on NATS (`publish.events.nats`); nil sends none.
    public var events: NATSEventSink?
    /// Change events to the job's alert webhook, in batches (`publish.events.webhook`).
    public var webhookEvents: WebhookEventSink?

    /// Every destination of the job's change events.
    public var eventSinks: [ChangeEventSink] {
        (events.map { [ChangeEventSink.nats($0)] } ?? []) + (webhookEvents.map { [.webhook($0)] } ?? [])
    }
    public var alerts: Alerts?

    static let topLevelKeys = [
        "description", "ingest", "mode", "schedule", "then", "embeddings", "retention", "timeouts", "max_pages",
        "snapshots", "publish", "alerts",
    ]

    /// Reads and validates `file`.
    public static func load(file: String) throws -> JobConfiguration {
        try JobConfiguration(root: try ConfigNode.load(file: file))
    }

    public static func parse(_ text: String, file: String) throws -> JobConfiguration {
        try JobConfiguration(root: try ConfigNode.parse(text, file: file))
    }

    /// Every job file in `directory`, sorted by name; the first invalid file throws.
    public static func loadAll(directory: String) throws -> [JobConfiguration] {
        try files(in: directory).map { try load(file: $0) }
    }

    /// The job files (`*.yml`, `*.yaml`) in `directory`, sorted.
    public static func files(in directory: String) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw MediaError(.configuration, "cannot read the jobs directory \(directory)")
        }
        return names.filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted().map { "\(directory)/\($0)" }
    }

    /// Reads the job from its document. Every problem in the file is gathered in one pass and
    /// thrown together, one line each; a section with a problem takes its default meanwhile.
    init(root: ConfigNode) throws {
        file = root.file
        name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var problems = ConfigProblems()
        let top = try root.members(allowed: Self.topLevelKeys, problems: &problems)
        description = problems.check { try top["description"]?.string() }
        ingest = problems.check { try Self.ingest(top["ingest"], root: root, problems: &$0) } ?? []
        mode = problems.check { try top["mode"].map(Self.mode) } ?? .incremental
        schedule = problems.check { problems in try top["schedule"].map { try Self.schedule($0, problems: &problems) } }
        steps = problems.check { try top["then"].map(Self.steps) } ?? Step.allCases
        embeddings = problems.check { try top["embeddings"]?.bool() } ?? true
        if !embeddings, steps.contains(.embed), let node = top["embeddings"] {
            problems.record(node.error("'embeddings: false' contradicts 'embed' in 'then'; keep one"))
        }

        let retention =
            problems.check { try top["retention"]?.members(allowed: ["runs", "snapshots"], problems: &$0) } ?? [:]
        keepRunsFor = problems.check { try retention["runs"]?.duration() } ?? 90 * 86_400
        keepSnapshots = problems.check { try retention["snapshots"]?.int(in: 1...1000) } ?? 5

        let timeouts =
            problems.check { try top["timeouts"]?.members(allowed: ["run", "lock_wait"], problems: &$0) } ?? [:]
        runTimeout = problems.check { try timeouts["run"]?.duration() }
        lockWait = problems.check { try timeouts["lock_wait"]?.duration() } ?? 0
        maxPages = problems.check { try top["max_pages"]?.int(in: 1...10_000_000) }
        snapshots = problems.check { try top["snapshots"]?.string() }
        let publish = problems.check { problems in try top["publish"].map { try Self.publish($0, problems: &problems) }
        }
        publishTo = publish?.store
        events = publish?.events?.nats
        if publish != nil, !steps.contains(.publish), let node = top["publish"] {
            problems.record(node.error("'publish' is set, but 'then' has no publish step"))
        }
        alerts = problems.check { problems in try top["alerts"].map { try Self.alerts($0, problems: &problems) } }
        if let webhook = publish?.events?.webhook {
            if let alerts {
                webhookEvents = WebhookEventSink(webhook: alerts.webhook, batch: webhook.batch)
            } else if top["alerts"] == nil {
                problems.record(
                    webhook.node.error("change events go to the alert webhook, and the job has no 'alerts' section")
                )
            }
        }
        try problems.throwIfAny()
    }

    private static func ingest(_ node: ConfigNode?, root: ConfigNode, problems: inout ConfigProblems) throws -> [Ingest]
    {
        guard let node else { throw root.error("missing key 'ingest' (a list of {connector: NAME, streams: [...]})") }
        var parts: [Ingest] = []
        for entry in try node.list() {
            let part = problems.check { (problems: inout ConfigProblems) throws -> Ingest in
                let members = try entry.members(allowed: ["connector", "streams", "settings"], problems: &problems)
                guard let connectorNode = members["connector"] else { throw entry.error("missing key 'connector'") }
                let connector = try connectorNode.string()
                guard let known = Connector.streamNames[connector] else {
                    throw connectorNode.error(
                        "unknown connector '\(connector)'; expected one of "
                            + ConnectorConfiguration.providers.joined(separator: ", ")
                    )
                }
                let streams = problems.check { try members["streams"]?.strings() } ?? []
                for (index, stream) in streams.enumerated() where !known.contains(stream) {
                    problems.record(
                        ConfigNode.child(of: members["streams"]!, index: index).error(
                            "\(connector) has no stream '\(stream)'; expected one of \(known.joined(separator: ", "))"
                        )
                    )
                }
                var settings: [String: ConfigNode] = [:]
                if let settingsNode = members["settings"] {
                    for (stream, value) in try settingsNode.members(allowed: known, problems: &problems) {
                        settings[stream] = value
                    }
                }
                return Ingest(connector: connector, streams: streams, settings: settings, node: connectorNode)
            }
            if let part { parts.append(part) }
        }
        if parts.isEmpty && problems.isEmpty { throw node.error("expected at least one connector") }
        var seen = Set<String>()
        for part in parts where !seen.insert(part.connector).inserted {
            problems.record(part.node.error("connector '\(part.connector)' appears twice; list its streams once"))
        }
        return parts
    }

    private static func mode(_ node: ConfigNode) throws -> Mode {
        let text = try node.string()
        guard let value = Mode(rawValue: text) else {
            throw node.error("expected incremental or full, found '\(text)'")
        }
        return value
    }

    private static func schedule(_ node: ConfigNode, problems: inout ConfigProblems) throws -> Schedule {
        let members = try node.members(allowed: ["cron", "time_zone"], problems: &problems)
        var zone = TimeZone(identifier: "UTC")!
        if let zoneNode = members["time_zone"] {
            let text = try zoneNode.string()
            if let value = TimeZone(identifier: text) {
                zone = value
            } else {
                problems.record(
                    zoneNode.error("unknown time zone '\(text)' (expected an IANA name like Europe/Berlin)")
                )
            }
        }
        guard let cronNode = members["cron"] else { throw node.error("missing key 'cron'") }
        let text = try cronNode.string()
        do {
            return Schedule(cron: try CronExpression(text), timeZone: zone)
        } catch let error as MediaError {
            throw cronNode.error("invalid cron expression: \(error.message)")
        }
    }

    private static func steps(_ node: ConfigNode) throws -> [Step] {
        var chosen: [Step] = []
        for (index, text) in try node.strings().enumerated() {
            guard let step = Step(rawValue: text) else {
                throw ConfigNode.child(of: node, index: index).error(
                    "unknown step '\(text)'; expected some of resolve, embed, build, publish"
                )
            }
            chosen.append(step)
        }
        let steps = Step.allCases.filter(chosen.contains)
        let needs: [(Step, Step)] = [(.embed, .build), (.build, .resolve), (.publish, .build)]
        for (step, required) in needs where steps.contains(step) && !steps.contains(required) {
            throw node.error("'\(step.rawValue)' needs '\(required.rawValue)' in the list")
        }
        return steps
    }

    private static func publish(
        _ node: ConfigNode,
        problems: inout ConfigProblems
    ) throws -> (store: StorePublish?, events: EventSettings?) {
        let members = try node.members(
            allowed: ["to", "endpoint", "region", "addressing", "credentials_file", "events"],
            problems: &problems
        )
        let events = try members["events"].map { try Self.events($0, problems: &problems) }
        guard members["to"] != nil || events == nil else {
            for key in ["endpoint", "region", "addressing", "credentials_file"] where members[key] != nil {
                throw members[key]!.error("'\(key)' is for an object store, and 'publish' has no 'to'")
            }
            return (nil, events)
        }
        return (try store(node, members), events)
    }

    /// What `publish.events` says: NATS, the webhook's batch size, or both.
    struct EventSettings {
        var nats: NATSEventSink?
        var webhook: (batch: Int, node: ConfigNode)?
    }

    /// `publish.events`: where each publish's change events go.
    private static func events(_ node: ConfigNode, problems: inout ConfigProblems) throws -> EventSettings {
        let members = try node.members(allowed: ["nats", "webhook"], problems: &problems)
        guard members["nats"] != nil || members["webhook"] != nil else {
            throw node.error("missing key 'nats' ({url: nats://HOST:PORT}) or 'webhook' ({batch: N})")
        }
        var settings = EventSettings()
        if let webhookNode = members["webhook"] {
            let webhook = try webhookNode.members(allowed: ["batch"], problems: &problems)
            let batch = try webhook["batch"]?.int(in: 1...10_000) ?? WebhookEventSink.defaultBatch
            settings.webhook = (batch, webhookNode)
        }
        if let natsNode = members["nats"] { settings.nats = try nats(natsNode, problems: &problems) }
        return settings
    }

    private static func nats(_ natsNode: ConfigNode, problems: inout ConfigProblems) throws -> NATSEventSink {
        let nats = try natsNode.members(allowed: ["url", "subject_prefix", "credentials_env"], problems: &problems)
        guard let urlNode = nats["url"] else { throw natsNode.error("missing key 'url' (nats://HOST:PORT)") }
        let address: NATSAddress
        do {
            address = try NATSAddress(parsing: try urlNode.string())
        } catch let error as MediaError {
            throw urlNode.error(error.message)
        }
        var sink = NATSEventSink(address: address)
        if let prefixNode = nats["subject_prefix"] {
            sink.subjectPrefix = try prefixNode.string()
            do {
                try ChangeEvents.checkPrefix(sink.subjectPrefix)
            } catch let error as MediaError {
                throw prefixNode.error(error.message)
            }
        }
        if let variableNode = nats["credentials_env"] {
            let variable = try variableNode.string()
            guard !variable.isEmpty, variable.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw variableNode.error("expected the NAME of an environment variable holding the credentials")
            }
            sink.credentialsVariable = variable
        }
        return sink
    }

    private static func store(_ node: ConfigNode, _ members: [String: ConfigNode]) throws -> StorePublish {
        guard let toNode = members["to"] else { throw node.error("missing key 'to' (s3://BUCKET/PREFIX)") }
        let location: S3Location
        do {
            location = try S3Location(parsing: try toNode.string())
        } catch let error as MediaError {
            throw toNode.error(error.message)
        }
        var addressing: S3Configuration.Addressing?
        if let addressingNode = members["addressing"] {
            let text = try addressingNode.string()
            guard let value = S3Configuration.Addressing(rawValue: text) else {
                throw addressingNode.error("expected path or virtual, found '\(text)'")
            }
            addressing = value
        }
        let endpoint = try members["endpoint"]?.string()
        if let endpoint, let endpointNode = members["endpoint"],
            !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://"))
        {
            throw endpointNode.error("expected an http(s) URL, found '\(endpoint)'")
        }
        return StorePublish(
            location: location,
            endpoint: endpoint,
            region: try members["region"]?.string(),
            addressing: addressing,
            credentialsFile: try members["credentials_file"]?.string()
        )
    }

    private static func alerts(_ node: ConfigNode, problems: inout ConfigProblems) throws -> Alerts {
        let members = try node.members(allowed: ["webhook_env", "webhook_file", "format", "on"], problems: &problems)
        let source: KeySource
        switch (members["webhook_env"], members["webhook_file"]) {
        case (let env?, nil):
            let variable = try env.string()
            guard variable.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw env.error("expected the NAME of an environment variable holding the URL, not the URL")
            }
            source = .environment(variable)
        case (nil, let path?): source = .file(try path.string())
        default: throw node.error("expected exactly one of 'webhook_env' or 'webhook_file'")
        }
        var format = Alerts.Format.json
        if let formatNode = members["format"] {
            let text = try formatNode.string()
            guard let value = Alerts.Format(rawValue: text) else {
                throw formatNode.error("expected json or slack, found '\(text)'")
            }
            format = value
        }
        var on: Set<RunOutcome> = [.partial, .quotaExhausted, .failed]
        if let onNode = members["on"] {
            on = Set(
                try onNode.strings().enumerated().map { index, value in
                    guard let outcome = RunOutcome(rawValue: value), RunOutcome.finished.contains(outcome) else {
                        let expected = RunOutcome.finished.map(\.rawValue).joined(separator: ", ")
                        throw ConfigNode.child(of: onNode, index: index).error(
                            "unknown outcome '\(value)'; expected some of \(expected)"
                        )
                    }
                    return outcome
                }
            )
        }
        return Alerts(webhook: source, format: format, on: on)
    }

    /// The connector configuration for one part, with the job's stream settings applied.
    public func connectorConfiguration(_ part: Ingest, directory: String) throws -> ConnectorConfiguration {
        let path = "\(directory)/\(part.connector).yml"
        guard FileManager.default.fileExists(atPath: path) else {
            throw part.node.error("no connector file \(path)")
        }
        var configuration = try ConnectorConfiguration.load(file: path)
        configuration.streamOverrides = part.settings
        return configuration
    }

    /// The stream names a part runs, given what its connector file configures.
    public func streamNames(_ part: Ingest, configured: [String]) -> [String] {
        part.streams.isEmpty ? configured : part.streams
    }
}
