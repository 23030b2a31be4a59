import ConfigFiles
import Foundation
import HTTPClient
import MediaModel

/// `connectors/<provider>.yml`: where the provider is, how to authenticate (the *names* of the
/// variables or files holding keys, never a key), limits, quota, retries, the streams to pull,
/// and the mapping tables into canonical services and genres.
public struct ConnectorConfiguration: Sendable {
    public static let providers = ["streaming-availability", "watchmode", "justwatch", "youtube"]

    public var file: String
    public var provider: String
    public var baseURL: URL
    public var auth: AuthScheme
    public var keySources: [KeySource]
    /// `rate_limit`, `timeout_s`, `retries`, `circuit_breaker` and `quota`.
    public var limits: ClientLimits
    /// Quota units per method (`videos.list: 1`), for providers that price calls differently.
    public var methodCosts: [String: Int]
    public var mapping: Mapping
    /// The `streams:` section, read by the provider's connector.
    public var streams: ConfigNode?
    /// Per-stream settings that replace the file's (a job narrowing regions or channels), by
    /// stream name; each member keeps the file and key it was written at.
    public var streamOverrides: [String: ConfigNode] = [:]

    static let topLevelKeys = [
        "provider", "base_url", "auth", "rate_limit", "quota", "retries", "timeout_s", "circuit_breaker",
        "method_costs", "streams", "services", "genres", "currencies",
    ]

    /// Reads and validates a connector file; every error names the file, the key and the line.
    public static func load(file: String) throws -> ConnectorConfiguration {
        try ConnectorConfiguration(root: try ConfigNode.load(file: file))
    }

    public static func parse(_ text: String, file: String) throws -> ConnectorConfiguration {
        try ConnectorConfiguration(root: try ConfigNode.parse(text, file: file))
    }

    init(root: ConfigNode) throws {
        file = root.file
        let top = try root.members(allowed: Self.topLevelKeys)
        guard let providerNode = top["provider"] else { throw root.error("missing key 'provider'") }
        provider = try providerNode.string()
        guard Self.providers.contains(provider) else {
            throw providerNode.error(
                "unknown provider '\(provider)'; expected one of \(Self.providers.joined(separator: ", "))"
            )
        }
        guard let urlNode = top["base_url"] else { throw root.error("missing key 'base_url'") }
        let urlText = try urlNode.string()
        guard let url = URL(string: urlText), let scheme = url.scheme, ["http", "https"].contains(scheme),
            url.host != nil
        else { throw urlNode.error("expected an http(s) URL, found '\(urlText)'") }
        baseURL = url

        auth = .none
        keySources = []
        if let authNode = top["auth"] {
            let members = try authNode.members(allowed: ["scheme", "parameter", "header", "rapidapi_host", "keys"])
            let scheme = try members["scheme"]?.string() ?? "none"
            switch scheme {
            case "none": auth = .none
            case "query": auth = .queryParameter(try members["parameter"]?.string() ?? "key")
            case "header": auth = .header(try members["header"]?.string() ?? "X-API-Key")
            case "rapidapi":
                guard let host = members["rapidapi_host"] else {
                    throw authNode.error("scheme 'rapidapi' needs 'rapidapi_host'")
                }
                auth = .rapidAPI(host: try host.string())
            default:
                throw members["scheme"]!.error("expected one of none, query, header, rapidapi; found '\(scheme)'")
            }
            for entry in try members["keys"]?.list() ?? [] {
                let fields = try entry.members(allowed: ["env", "file"])
                if let name = fields["env"] {
                    let variable = try name.string()
                    guard variable.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                        throw name.error("expected the NAME of an environment variable, not a value")
                    }
                    keySources.append(.environment(variable))
                } else if let path = fields["file"] {
                    keySources.append(.file(try path.string()))
                } else {
                    throw entry.error("expected 'env: VARIABLE' or 'file: PATH'")
                }
            }
            if auth != .none && keySources.isEmpty {
                throw authNode.error("scheme '\(scheme)' needs at least one entry under 'keys'")
            }
        }

        let rate = try top["rate_limit"]?.members(allowed: ["requests_per_second", "burst"]) ?? [:]
        let requestsPerSecond = try rate["requests_per_second"]?.double(in: 0.001...10_000) ?? 5
        let burst = try rate["burst"]?.int(in: 1...10_000) ?? max(1, Int(requestsPerSecond.rounded(.up)))
        let timeout = TimeInterval(try top["timeout_s"]?.int(in: 1...600) ?? 30)

        let retries = try top["retries"]?.members(allowed: ["max_attempts", "base_delay_ms", "max_delay_s"]) ?? [:]
        let backoff = Backoff(
            maxAttempts: try retries["max_attempts"]?.int(in: 1...20) ?? 5,
            baseDelay: .milliseconds(try retries["base_delay_ms"]?.int(in: 1...600_000) ?? 500),
            maxDelay: .seconds(try retries["max_delay_s"]?.int(in: 1...3600) ?? 60)
        )
        let breaker = try top["circuit_breaker"]?.members(allowed: ["failures", "cooldown_s"]) ?? [:]
        let breakerThreshold = try breaker["failures"]?.int(in: 1...1000) ?? 8
        let breakerCooldown: Duration = .seconds(try breaker["cooldown_s"]?.int(in: 1...86_400) ?? 30)

        let quotaNode =
            try top["quota"]?.members(allowed: ["daily_units", "reset_time_zone", "reset_hour", "buckets"]) ?? [:]
        var policy = QuotaPolicy(dailyUnits: try quotaNode["daily_units"]?.int(in: 1...Int(Int32.max)))
        if let zoneNode = quotaNode["reset_time_zone"] {
            let name = try zoneNode.string()
            guard let zone = TimeZone(identifier: name) else {
                throw zoneNode.error("unknown time zone '\(name)' (expected an IANA name like America/Los_Angeles)")
            }
            policy.resetTimeZone = zone
        }
        policy.resetHour = try quotaNode["reset_hour"]?.int(in: 0...23) ?? 0
        var bucketBudgets: [String: Int] = [:]
        for (bucket, value) in try quotaNode["buckets"]?.table() ?? [] {
            bucketBudgets[bucket] = try value.int(in: 1...Int(Int32.max))
        }
        limits = ClientLimits(
            requestsPerSecond: requestsPerSecond,
            burst: burst,
            timeout: timeout,
            backoff: backoff,
            breakerThreshold: breakerThreshold,
            breakerCooldown: breakerCooldown,
            quota: policy,
            bucketBudgets: bucketBudgets
        )
        methodCosts = [:]
        for (method, value) in try top["method_costs"]?.table() ?? [] {
            methodCosts[method] = try value.int(in: 0...100_000)
        }
        mapping = try Mapping(services: top["services"], genres: top["genres"], currencies: top["currencies"])
        streams = top["streams"]
    }

    /// Client settings with the keys read from their sources (a missing one is an error naming it).
    /// With `loadKeys` false the settings carry no keys (for work that never sends a request).
    public func clientSettings(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        loadKeys: Bool = true
    ) throws -> ClientSettings {
        ClientSettings(
            provider: provider,
            baseURL: baseURL,
            auth: auth,
            keys: loadKeys ? try keySources.map { try $0.load(environment: environment) } : [],
            limits: limits
        )
    }

    /// The members of `streams.<name>`, or nil when that stream is not configured.
    public func stream(_ name: String, allowed: [String]) throws -> [String: ConfigNode]? {
        let configured = try streams?.table().first(where: { $0.key == name })?.value.members(allowed: allowed)
        guard let override = streamOverrides[name] else { return configured }
        return (configured ?? [:]).merging(try override.members(allowed: allowed)) { _, new in new }
    }

    /// Refuses stream names the connector does not have.
    public func checkStreamNames(_ known: [String]) throws {
        guard let streams else { return }
        _ = try streams.members(allowed: known)
    }
}
