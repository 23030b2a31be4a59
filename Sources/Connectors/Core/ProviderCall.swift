import Foundation
import HTTPClient
import Logging

/// How a provider wants its key.
public enum AuthScheme: Sendable, Equatable {
    case none
    /// `?apiKey=…` (Watchmode) or `?key=…` (YouTube).
    case queryParameter(String)
    /// `X-API-Key: …` (Streaming Availability direct, Watchmode).
    case header(String)
    /// `X-RapidAPI-Key` plus `X-RapidAPI-Host`.
    case rapidAPI(host: String)
}

/// How hard a provider client may push: its rate, timeout, retries, circuit breaker and quota.
/// A connector file states them and a client runs with them, as one value.
public struct ClientLimits: Sendable {
    public var requestsPerSecond: Double
    public var burst: Int
    public var timeout: TimeInterval
    public var backoff: Backoff
    public var breakerThreshold: Int
    public var breakerCooldown: Duration
    public var quota: QuotaPolicy
    /// Separate daily budgets for named buckets (YouTube's `search.list` call bucket).
    public var bucketBudgets: [String: Int]

    public init(
        requestsPerSecond: Double = 5,
        burst: Int = 5,
        timeout: TimeInterval = 30,
        backoff: Backoff = Backoff(),
        breakerThreshold: Int = 8,
        breakerCooldown: Duration = .seconds(30),
        quota: QuotaPolicy = QuotaPolicy(),
        bucketBudgets: [String: Int] = [:]
    ) {
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.timeout = timeout
        self.backoff = backoff
        self.breakerThreshold = breakerThreshold
        self.breakerCooldown = breakerCooldown
        self.quota = quota
        self.bucketBudgets = bucketBudgets
    }
}

/// The settings a provider client runs with, read from `connectors/<provider>.yml`.
public struct ClientSettings: Sendable {
    public var provider: String
    public var baseURL: URL
    public var auth: AuthScheme
    public var keys: [APIKey]
    public var limits: ClientLimits

    public init(
        provider: String,
        baseURL: URL,
        auth: AuthScheme = .none,
        keys: [APIKey] = [],
        limits: ClientLimits = ClientLimits()
    ) {
        self.provider = provider
        self.baseURL = baseURL
        self.auth = auth
        self.keys = keys
        self.limits = limits
    }
}

/// One call to a provider, before the key is added.
public struct ProviderCall: Sendable {
    public var method: String
    /// Path relative to the base URL (`shows/search/filters`).
    public var path: String
    public var query: [(String, String)]
    public var headers: [String: String]
    public var body: Data?
    /// Quota units the call costs.
    public var units: Int
    /// The budget the units come from: `units` (the daily budget) or a named bucket.
    public var bucket: String

    public init(
        method: String = "GET",
        path: String,
        query: [(String, String)] = [],
        headers: [String: String] = [:],
        body: Data? = nil,
        units: Int = 1,
        bucket: String = "units"
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.units = units
        self.bucket = bucket
    }

    /// The call as archived and logged: method, path and parameters, never a key.
    public var location: String {
        // Most calls need no escaping at all, and then the text is exactly what URLComponents
        // would make: build it directly, which costs a tenth.
        if !path.hasPrefix("/") && Self.needsNoEscaping(path)
            && query.allSatisfy({ Self.needsNoEscaping($0.0) && Self.needsNoEscaping($0.1) })
        {
            var text = "\(method) /\(path)"
            for (index, (name, value)) in query.enumerated() {
                text += index == 0 ? "?" : "&"
                text += name
                text += "="
                text += value
            }
            return text
        }
        var components = URLComponents()
        components.path = "/" + path
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        return "\(method) \(components.string ?? path)"
    }
}

extension ProviderCall {
    /// Whether URLComponents leaves `text` as it is in a path and in a query name or value:
    /// ASCII letters, digits and `-._~,:/`.
    static func needsNoEscaping(_ text: String) -> Bool {
        text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "/"):
                return true
            default:
                return false
            }
        }
    }
}

/// What a provider's answer means, decided by its connector.
public enum Verdict: Sendable, Equatable {
    case success
    /// Try again, after the given wait or a jittered backoff.
    case retry(after: Duration?, reason: String)
    /// This key's budget is spent until the provider's reset.
    case quotaExhausted
    /// Credentials or plan refused (401, 403 that is not about quota).
    case forbidden(String)
    /// A failure that retrying will not fix.
    case failure(String)
    /// The provider refused the paging cursor as expired or unknown.
    case expiredCursor(String)
}
