import Foundation
import HTTPClient
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

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

/// The settings a provider client runs with, read from `connectors/<provider>.yml`.
public struct ClientSettings: Sendable {
    public var provider: String
    public var baseURL: URL
    public var auth: AuthScheme
    public var keys: [APIKey]
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
        provider: String,
        baseURL: URL,
        auth: AuthScheme = .none,
        keys: [APIKey] = [],
        requestsPerSecond: Double = 5,
        burst: Int = 5,
        timeout: TimeInterval = 30,
        backoff: Backoff = Backoff(),
        breakerThreshold: Int = 8,
        breakerCooldown: Duration = .seconds(30),
        quota: QuotaPolicy = QuotaPolicy(),
        bucketBudgets: [String: Int] = [:]
    ) {
        self.provider = provider
        self.baseURL = baseURL
        self.auth = auth
        self.keys = keys
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

/// Talks to one provider: rate limit, circuit breaker, quota ledger with key rotation, retries
/// with backoff and full jitter honouring `Retry-After`, and redaction of every key.
public final class ProviderClient: Sendable {
    public let settings: ClientSettings
    public let redact: Redactor
    let transport: any HTTPTransport
    let ledger: any QuotaLedger
    let limiter: TokenBucket
    let breaker: CircuitBreaker
    let keyRing: KeyRing
    let classify: @Sendable (HTTPResponse) -> Verdict
    let now: @Sendable () -> Date
    let logger: Logger
    /// The base URL's text, made once rather than per call.
    private let baseURLBytes: [UInt8]

    public init(
        settings: ClientSettings,
        transport: any HTTPTransport,
        ledger: any QuotaLedger,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() },
        classify: @escaping @Sendable (HTTPResponse) -> Verdict = ProviderClient.standardVerdict
    ) {
        self.settings = settings
        self.transport = transport
        self.ledger = ledger
        self.classify = classify
        self.now = now
        self.logger = logger
        redact = Redactor(secrets: settings.keys.map(\.value))
        limiter = TokenBucket(rate: settings.requestsPerSecond, burst: settings.burst)
        breaker = CircuitBreaker(
            host: settings.baseURL.host ?? settings.provider,
            threshold: settings.breakerThreshold,
            cooldown: settings.breakerCooldown
        )
        keyRing = KeyRing(count: settings.keys.count)
        baseURLBytes = Array(settings.baseURL.absoluteString.utf8)
    }

    /// The common reading of HTTP statuses: 2xx success; 429, 408 and 5xx retried; 402 quota;
    /// 401/403 forbidden; anything else a failure.
    @Sendable public static func standardVerdict(_ response: HTTPResponse) -> Verdict {
        switch response.status {
        case 200..<300: return .success
        case 429, 408, 500..<600:
            return .retry(
                after: response.header("retry-after").flatMap { Backoff.retryAfter($0) },
                reason: "HTTP \(response.status)"
            )
        case 402: return .quotaExhausted
        case 401, 403: return .forbidden(snippet(response.body))
        default: return .failure("HTTP \(response.status): \(snippet(response.body))")
        }
    }

    /// The start of a body, for error messages.
    public static func snippet(_ body: Data) -> String {
        String(decoding: body.prefix(200), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
    }

    /// Sends `call`, retrying and rotating keys as needed. Returns a successful response or throws
    /// a ``ConnectorError`` whose message has every key redacted.
    public func send(_ call: ProviderCall) async throws -> HTTPResponse {
        var attempt = 0
        var random = SystemRandomNumberGenerator()
        while true {
            let date = now()
            let day = settings.quota.day(of: date)
            let key = try await pickKey(for: call, day: day, date: date)
            if let wait = await breaker.admit() {
                throw ConnectorError.circuitOpen(host: breaker.host, retryIn: wait)
            }
            try await limiter.acquire()
            if let key, call.units > 0 {
                _ = try await ledger.charge(
                    provider: settings.provider,
                    key: ledgerKey(key, call.bucket),
                    day: day,
                    units: call.units
                )
            }
            CallTally.current?.record(units: key != nil ? call.units : 0)
            attempt += 1
            let verdict: Verdict
            var response: HTTPResponse?
            do {
                let received = try await transport.send(authorize(call, key: key))
                response = received
                verdict = classify(received)
            } catch  where Task.isCancelled {
                // The run was stopped (a signal): not the provider's failure.
                throw CancellationError()
            } catch let error as URLError where Self.isTransient(error) {
                verdict = .retry(after: nil, reason: "network: \(error.localizedDescription)")
            } catch {
                await breaker.recordFailure()
                throw ConnectorError.failed(provider: settings.provider, message: redact("\(call.location): \(error)"))
            }
            switch verdict {
            case .success:
                await breaker.recordSuccess()
                return response.map(scrub) ?? HTTPResponse(status: 200)
            case .quotaExhausted:
                await breaker.recordSuccess()
                if let key {
                    logger.warning(
                        "quota exhausted for a key; rotating",
                        metadata: ["provider": "\(settings.provider)", "key": "\(key.label)"]
                    )
                    await keyRing.exhaust(index: keyIndex(key), day: day)
                    attempt -= 1
                    continue
                }
                throw ConnectorError.quotaExhausted(
                    provider: settings.provider,
                    resumesAfter: settings.quota.nextReset(after: date)
                )
            case .forbidden(let message):
                await breaker.recordSuccess()
                throw ConnectorError.forbidden(
                    provider: settings.provider,
                    status: response?.status ?? 403,
                    message: redact("\(call.location): \(message)")
                )
            case .expiredCursor(let message):
                await breaker.recordSuccess()
                throw ConnectorError.expiredCursor(
                    provider: settings.provider,
                    message: redact("\(call.location): \(message)")
                )
            case .failure(let message):
                await breaker.recordSuccess()
                throw ConnectorError.failed(
                    provider: settings.provider,
                    message: redact("\(call.location): \(message)")
                )
            case .retry(let after, let reason):
                if response.map({ $0.status >= 500 }) ?? true { await breaker.recordFailure() }
                guard attempt < settings.backoff.maxAttempts else {
                    throw ConnectorError.failed(
                        provider: settings.provider,
                        message: redact("\(call.location): \(reason) after \(attempt) attempts")
                    )
                }
                let wait = min(
                    after ?? settings.backoff.jitteredDelay(afterAttempt: attempt, using: &random),
                    settings.backoff.maxDelay
                )
                logger.info(
                    "retrying",
                    metadata: [
                        "provider": "\(settings.provider)", "call": "\(redact(call.location))", "reason": "\(reason)",
                        "attempt": "\(attempt)", "wait_ms": "\(Int(wait.seconds * 1000))",
                    ]
                )
                try await Task.sleep(for: wait)
            }
        }
    }

    /// The key to use now, rotating past keys whose budget is spent; nil for keyless providers.
    private func pickKey(for call: ProviderCall, day: String, date: Date) async throws -> APIKey? {
        guard !settings.keys.isEmpty else { return nil }
        let budget = call.bucket == "units" ? settings.quota.dailyUnits : settings.bucketBudgets[call.bucket]
        while let index = await keyRing.current(day: day, bucket: call.bucket) {
            let key = settings.keys[index]
            guard let budget else { return key }
            let used = try await ledger.used(provider: settings.provider, key: ledgerKey(key, call.bucket), day: day)
            if used + call.units <= budget { return key }
            await keyRing.exhaust(index: index, day: day, bucket: call.bucket)
        }
        throw ConnectorError.quotaExhausted(
            provider: settings.provider,
            resumesAfter: settings.quota.nextReset(after: date)
        )
    }

    private func ledgerKey(_ key: APIKey, _ bucket: String) -> String {
        bucket == "units" ? key.label : "\(key.label)#\(bucket)"
    }

    private func keyIndex(_ key: APIKey) -> Int {
        settings.keys.firstIndex(of: key) ?? 0
    }

    func authorize(_ call: ProviderCall, key: APIKey?) -> HTTPRequest {
        var query = call.query
        var headers = call.headers
        if let key {
            switch settings.auth {
            case .none: break
            case .queryParameter(let name): query.append((name, key.value))
            case .header(let name): headers[name] = key.value
            case .rapidAPI(let host):
                headers["X-RapidAPI-Key"] = key.value
                headers["X-RapidAPI-Host"] = host
            }
        }
        // Built as bytes: URLComponents cost more than the rest of a Watchmode details call.
        var url = baseURLBytes
        url.reserveCapacity(url.count + call.path.utf8.count + query.count * 24)
        if !call.path.isEmpty {
            if url.last != UInt8(ascii: "/") { url.append(UInt8(ascii: "/")) }
            Self.escape(call.path, keeping: Self.pathDelimiters, into: &url)
        }
        for (index, (name, value)) in query.enumerated() {
            url.append(index == 0 ? UInt8(ascii: "?") : UInt8(ascii: "&"))
            Self.escape(name, into: &url)
            url.append(UInt8(ascii: "="))
            Self.escape(value, into: &url)
        }
        return HTTPRequest(
            method: call.method,
            url: URL(string: String(decoding: url, as: UTF8.self))!,
            headers: headers,
            body: call.body,
            timeout: settings.timeout
        )
    }

    /// Appends `text` percent-encoded, strictly for a query component (a cursor like
    /// `48000:Accident Man` included).
    /// Only ASCII letters, digits and `-._~` pass unescaped (RFC 3986 unreserved), plus the ASCII
    /// characters in `extra`; every other UTF-8 byte is `%XX`.
    static func escape(_ text: String, keeping extra: Set<UInt8> = [], into bytes: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                bytes.append(byte)
            case _ where extra.contains(byte):
                bytes.append(byte)
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            }
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)
    /// What a path keeps unescaped besides the unreserved characters (RFC 3986 `pchar` and `/`).
    static let pathDelimiters = Set("/:@!$&'()*+,;=".utf8)

    /// Removes any key the provider echoed back before the body reaches the archive.
    private func scrub(_ response: HTTPResponse) -> HTTPResponse {
        var response = response
        if redact.occurs(in: response.body) {
            response.body = Data(redact(String(decoding: response.body, as: UTF8.self)).utf8)
        }
        return response
    }

    static func isTransient(_ error: URLError) -> Bool {
        switch error.code {
        case .timedOut, .networkConnectionLost, .cannotConnectToHost, .notConnectedToInternet, .dnsLookupFailed,
            .cannotFindHost, .badServerResponse, .secureConnectionFailed:
            return true
        case .unknown:
            // libcurl (FoundationNetworking) reports a connection reset or a transfer cut short
            // ("transfer closed with outstanding read data remaining") with no better code.
            return true
        default:
            return false
        }
    }
}

/// Which keys are spent for the day, per budget bucket.
actor KeyRing {
    private let count: Int
    private var exhausted: Set<String> = []

    init(count: Int) {
        self.count = count
    }

    func current(day: String, bucket: String = "units") -> Int? {
        (0..<count).first { !exhausted.contains("\(day)|\(bucket)|\($0)") && !exhausted.contains("\(day)|all|\($0)") }
    }

    func exhaust(index: Int, day: String, bucket: String = "all") {
        exhausted.insert("\(day)|\(bucket)|\(index)")
    }
}
