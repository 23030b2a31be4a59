import Foundation
import HTTPClient
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

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
        limiter = TokenBucket(rate: settings.limits.requestsPerSecond, burst: settings.limits.burst)
        breaker = CircuitBreaker(
            host: settings.baseURL.host ?? settings.provider,
            threshold: settings.limits.breakerThreshold,
            cooldown: settings.limits.breakerCooldown
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
            let day = settings.limits.quota.day(of: date)
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
                    resumesAfter: settings.limits.quota.nextReset(after: date)
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
                guard attempt < settings.limits.backoff.maxAttempts else {
                    throw ConnectorError.failed(
                        provider: settings.provider,
                        message: redact("\(call.location): \(reason) after \(attempt) attempts")
                    )
                }
                let wait = min(
                    after ?? settings.limits.backoff.jitteredDelay(afterAttempt: attempt, using: &random),
                    settings.limits.backoff.maxDelay
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
        let budget =
            call.bucket == "units" ? settings.limits.quota.dailyUnits : settings.limits.bucketBudgets[call.bucket]
        while let index = await keyRing.current(day: day, bucket: call.bucket) {
            let key = settings.keys[index]
            guard let budget else { return key }
            let used = try await ledger.used(provider: settings.provider, key: ledgerKey(key, call.bucket), day: day)
            if used + call.units <= budget { return key }
            await keyRing.exhaust(index: index, day: day, bucket: call.bucket)
        }
        throw ConnectorError.quotaExhausted(
            provider: settings.provider,
            resumesAfter: settings.limits.quota.nextReset(after: date)
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
            timeout: settings.limits.timeout
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
