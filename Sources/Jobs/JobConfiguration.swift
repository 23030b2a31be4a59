import Connectors
import Foundation
import MediaModel

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
        public var on: Set<String>
    }

    public static let outcomes = ["success", "partial", "quota-exhausted", "failed"]

    /// The job's name: its file name without `.yml`.
    public var name: String
    public var file: String
    public var description: String?
    public var ingest: [Ingest]
    public var mode: Mode
    public var schedule: Schedule?
    public var steps: [Step]
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
    public var alerts: Alerts?

    static let topLevelKeys = [
        "description", "ingest", "mode", "schedule", "then", "retention", "timeouts", "max_pages", "snapshots",
        "alerts",
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

    init(root: ConfigNode) throws {
        file = root.file
        name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let top = try root.members(allowed: Self.topLevelKeys)
        description = try top["description"]?.string()

        guard let ingestNode = top["ingest"] else {
            throw root.error("missing key 'ingest' (a list of {connector: NAME, streams: [...]})")
        }
        ingest = try ingestNode.list().map { entry in
            let members = try entry.members(allowed: ["connector", "streams", "settings"])
            guard let connectorNode = members["connector"] else { throw entry.error("missing key 'connector'") }
            let connector = try connectorNode.string()
            guard let known = Connector.streamNames[connector] else {
                throw connectorNode.error(
                    "unknown connector '\(connector)'; expected one of "
                        + ConnectorConfiguration.providers.joined(separator: ", ")
                )
            }
            let streams = try members["streams"]?.strings() ?? []
            for (index, stream) in streams.enumerated() where !known.contains(stream) {
                throw ConfigNode.child(of: members["streams"]!, index: index).error(
                    "\(connector) has no stream '\(stream)'; expected one of \(known.joined(separator: ", "))"
                )
            }
            var settings: [String: ConfigNode] = [:]
            if let settingsNode = members["settings"] {
                for (stream, value) in try settingsNode.members(allowed: known) { settings[stream] = value }
            }
            return Ingest(connector: connector, streams: streams, settings: settings, node: connectorNode)
        }
        guard !ingest.isEmpty else { throw ingestNode.error("expected at least one connector") }
        var seen = Set<String>()
        for part in ingest where !seen.insert(part.connector).inserted {
            throw part.node.error("connector '\(part.connector)' appears twice; list its streams once")
        }

        mode = .incremental
        if let modeNode = top["mode"] {
            let text = try modeNode.string()
            guard let value = Mode(rawValue: text) else {
                throw modeNode.error("expected incremental or full, found '\(text)'")
            }
            mode = value
        }

        if let scheduleNode = top["schedule"] {
            let members = try scheduleNode.members(allowed: ["cron", "time_zone"])
            guard let cronNode = members["cron"] else { throw scheduleNode.error("missing key 'cron'") }
            let cron: CronExpression
            do {
                cron = try CronExpression(try cronNode.string())
            } catch let error as MediaError {
                throw cronNode.error("invalid cron expression: \(error.message)")
            }
            var zone = TimeZone(identifier: "UTC")!
            if let zoneNode = members["time_zone"] {
                let text = try zoneNode.string()
                guard let value = TimeZone(identifier: text) else {
                    throw zoneNode.error("unknown time zone '\(text)' (expected an IANA name like Europe/Berlin)")
                }
                zone = value
            }
            schedule = Schedule(cron: cron, timeZone: zone)
        }

        steps = Step.allCases
        if let thenNode = top["then"] {
            let names = try thenNode.strings()
            var chosen: [Step] = []
            for (index, text) in names.enumerated() {
                guard let step = Step(rawValue: text) else {
                    throw ConfigNode.child(of: thenNode, index: index).error(
                        "unknown step '\(text)'; expected some of resolve, embed, build, publish"
                    )
                }
                chosen.append(step)
            }
            steps = Step.allCases.filter(chosen.contains)
            let needs: [(Step, Step)] = [(.embed, .build), (.build, .resolve), (.publish, .build)]
            for (step, required) in needs where steps.contains(step) && !steps.contains(required) {
                throw thenNode.error("'\(step.rawValue)' needs '\(required.rawValue)' in the list")
            }
        }

        let retention = try top["retention"]?.members(allowed: ["runs", "snapshots"]) ?? [:]
        keepRunsFor = try retention["runs"]?.duration() ?? 90 * 86_400
        keepSnapshots = try retention["snapshots"]?.int(in: 1...1000) ?? 5

        let timeouts = try top["timeouts"]?.members(allowed: ["run", "lock_wait"]) ?? [:]
        runTimeout = try timeouts["run"]?.duration()
        lockWait = try timeouts["lock_wait"]?.duration() ?? 0
        maxPages = try top["max_pages"]?.int(in: 1...10_000_000)
        snapshots = try top["snapshots"]?.string()

        if let alertsNode = top["alerts"] {
            let members = try alertsNode.members(allowed: ["webhook_env", "webhook_file", "format", "on"])
            let source: KeySource
            switch (members["webhook_env"], members["webhook_file"]) {
            case (let env?, nil):
                let variable = try env.string()
                guard variable.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw env.error("expected the NAME of an environment variable holding the URL, not the URL")
                }
                source = .environment(variable)
            case (nil, let path?): source = .file(try path.string())
            default: throw alertsNode.error("expected exactly one of 'webhook_env' or 'webhook_file'")
            }
            var format = Alerts.Format.json
            if let formatNode = members["format"] {
                let text = try formatNode.string()
                guard let value = Alerts.Format(rawValue: text) else {
                    throw formatNode.error("expected json or slack, found '\(text)'")
                }
                format = value
            }
            var on = Set(["partial", "quota-exhausted", "failed"])
            if let onNode = members["on"] {
                let values = try onNode.strings()
                for (index, value) in values.enumerated() where !Self.outcomes.contains(value) {
                    throw ConfigNode.child(of: onNode, index: index).error(
                        "unknown outcome '\(value)'; expected some of \(Self.outcomes.joined(separator: ", "))"
                    )
                }
                on = Set(values)
            }
            alerts = Alerts(webhook: source, format: format, on: on)
        }
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
