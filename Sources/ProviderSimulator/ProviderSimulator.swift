import Foundation
import MediaModel

/// A request as the simulator sees it.
public struct SimulatedRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]
    /// Header values by lower-cased name.
    public var headers: [String: String]
    public var body: Data

    public init(
        method: String,
        path: String,
        query: [String: String] = [:],
        headers: [String: String] = [:],
        body: Data = Data()
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// A response the simulator sends.
public struct SimulatedResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    /// Wait this long before answering (the "slow" fault).
    public var delay: Duration?
    /// Send half the body, then drop the connection (the "reset" fault).
    public var dropsConnection = false

    public init(status: Int = 200, headers: [String: String] = [:], body: Data, delay: Duration? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
    }

    static func json(_ object: Any, status: Int = 200, headers: [String: String] = [:]) -> SimulatedResponse {
        let body =
            (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes]))
            ?? Data()
        return SimulatedResponse(
            status: status,
            headers: headers.merging(["Content-Type": "application/json"]) { $1 },
            body: body
        )
    }
}

/// A fault to inject into matching requests.
public struct Fault: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// 429 with `Retry-After`.
        case rateLimit = "rate-limit"
        /// 503.
        case serverError = "server-error"
        /// A normal answer after `delayMilliseconds`.
        case slow
        /// A 200 whose body stops halfway.
        case truncated
        /// A 200 whose body is not JSON.
        case malformed
        /// The provider's own "quota exhausted" answer.
        case quota
        /// The provider's "cursor no longer valid" answer (requests that carry a cursor).
        case expiredCursor = "expired-cursor"
        /// The connection drops halfway through a normal answer.
        case reset
        /// A normal JSON answer that also echoes the request's key, raw and encoded
        /// (percent-encoded in both cases, JSON-escaped, base64), as misbehaving APIs do.
        case echoKey = "echo-key"
    }

    /// `streaming-availability`, `watchmode`, `justwatch`, `youtube`, or `*`.
    public var provider: String
    public var kind: Kind
    /// How many matching requests get the fault.
    public var count: Int
    /// Matching requests to let through first.
    public var after: Int
    public var retryAfterSeconds: Int
    public var delayMilliseconds: Int

    public init(
        provider: String = "*",
        kind: Kind,
        count: Int = 1,
        after: Int = 0,
        retryAfterSeconds: Int = 1,
        delayMilliseconds: Int = 500
    ) {
        self.provider = provider
        self.kind = kind
        self.count = count
        self.after = after
        self.retryAfterSeconds = retryAfterSeconds
        self.delayMilliseconds = delayMilliseconds
    }

    /// `provider:kind[:count[:after]]`, as on the command line.
    public init?(argument: String) {
        let parts = argument.split(separator: ":").map(String.init)
        guard parts.count >= 2, let kind = Kind(rawValue: parts[1]) else { return nil }
        self.init(
            provider: parts[0],
            kind: kind,
            count: parts.count > 2 ? Int(parts[2]) ?? 1 : 1,
            after: parts.count > 3 ? Int(parts[3]) ?? 0 : 0
        )
    }

    enum CodingKeys: String, CodingKey {
        case provider, kind, count, after, retryAfterSeconds, delayMilliseconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        provider = try container.decodeIfPresent(String.self, forKey: .provider) ?? "*"
        kind = try container.decode(Kind.self, forKey: .kind)
        count = try container.decodeIfPresent(Int.self, forKey: .count) ?? 1
        after = try container.decodeIfPresent(Int.self, forKey: .after) ?? 0
        retryAfterSeconds = try container.decodeIfPresent(Int.self, forKey: .retryAfterSeconds) ?? 1
        delayMilliseconds = try container.decodeIfPresent(Int.self, forKey: .delayMilliseconds) ?? 500
    }
}

/// Serves the four providers' wire formats over a simulated world, with faults on demand.
///
/// Paths: Streaming Availability under `/v4`, Watchmode under `/v1`, JustWatch at `/graphql`,
/// YouTube under `/youtube/v3` and `/feeds/videos.xml`. Control: `POST /_simulator/faults`
/// (a JSON fault or list of faults), `POST /_simulator/touch?count=N` (N titles change now),
/// `GET /_simulator/stats`, `GET /_simulator/ground-truth`.
public final class ProviderSimulator: Sendable {
    public struct Options: Sendable {
        /// Keys each provider accepts; a provider with none accepts any request.
        public var keys: [String: [String]]
        /// YouTube units a key may spend a day before `quotaExceeded`.
        public var youtubeDailyUnits: Int
        /// Whether the Watchmode plan includes `/changes/*` (else 403).
        public var watchmodeChangesAllowed: Bool
        /// JustWatch returns no edges past this offset.
        public var justWatchOffsetCeiling: Int
        /// Streaming Availability titles per page.
        public var pageSize: Int
        /// Recorded responses to serve first (replay mode): a directory with `index.json`.
        public var replayDirectory: String?
        /// Answer gzip-compressed (`Content-Encoding: gzip`) to requests that accept it.
        public var gzip = false

        public init(
            keys: [String: [String]] = [:],
            youtubeDailyUnits: Int = 10_000,
            watchmodeChangesAllowed: Bool = true,
            justWatchOffsetCeiling: Int = 1900,
            pageSize: Int = 20,
            replayDirectory: String? = nil
        ) {
            self.keys = keys
            self.youtubeDailyUnits = youtubeDailyUnits
            self.watchmodeChangesAllowed = watchmodeChangesAllowed
            self.justWatchOffsetCeiling = justWatchOffsetCeiling
            self.pageSize = pageSize
            self.replayDirectory = replayDirectory
        }
    }

    let state: Locked<MutableState>
    public let options: Options
    let replay: Replay?
    let memo = Memo()

    struct MutableState {
        var world: SimulatedWorld
        var faults: [Fault] = []
        var requests: [String: Int] = [:]
        var youtubeUnits: [String: Int] = [:]
        var gzipped = 0
    }

    public init(world: SimulatedWorld, options: Options = Options(), faults: [Fault] = []) throws {
        self.options = options
        state = Locked(MutableState(world: world, faults: faults))
        replay = try options.replayDirectory.map(Replay.init(directory:))
    }

    public var world: SimulatedWorld { state.withLock { $0.world } }

    /// Requests served per provider so far.
    public var requestCounts: [String: Int] { state.withLock { $0.requests } }

    /// Answers sent gzip-compressed so far (`Options.gzip`).
    public var gzippedAnswers: Int { state.withLock { $0.gzipped } }

    /// Faults injected but not yet served.
    public var pendingFaults: [Fault] { state.withLock { $0.faults } }

    public func inject(_ faults: [Fault]) {
        state.withLock { $0.faults += faults }
    }

    /// Marks `count` titles (from the first) as changed now, with a changed overview.
    public func touch(count: Int) {
        defer { memo.clear() }
        state.withLock { state in
            for index in state.world.titles.indices.prefix(count) {
                state.world.titles[index].changedAt = Date()
                state.world.titles[index].overview += " (updated)"
            }
        }
    }

    static func provider(of path: String) -> String? {
        if path.hasPrefix("/v4/") { return "streaming-availability" }
        if path.hasPrefix("/v1/") { return "watchmode" }
        if path == "/graphql" { return "justwatch" }
        if path.hasPrefix("/youtube/v3/") || path.hasPrefix("/feeds/") { return "youtube" }
        return nil
    }

    /// Answers one request.
    public func handle(_ request: SimulatedRequest) -> SimulatedResponse {
        if request.path.hasPrefix("/_simulator/") { return control(request) }
        if let replay, let recorded = replay.response(for: request) { return recorded }
        guard let provider = Self.provider(of: request.path) else {
            return .json(["message": "no such endpoint: \(request.path)"], status: 404)
        }
        let fault: Fault? = state.withLock { state in
            state.requests[provider, default: 0] += 1
            guard
                let index = state.faults.firstIndex(where: { fault in
                    (fault.provider == "*" || fault.provider == provider)
                        && (fault.kind != .expiredCursor || request.query["cursor"] != nil || Self.hasAfter(request))
                })
            else { return nil }
            if state.faults[index].after > 0 {
                state.faults[index].after -= 1
                return nil
            }
            let fault = state.faults[index]
            state.faults[index].count -= 1
            if state.faults[index].count <= 0 { state.faults.remove(at: index) }
            return fault
        }
        if let denied = authenticate(request, provider: provider) { return denied }
        if let fault, ![.slow, .reset, .echoKey].contains(fault.kind) {
            return respond(to: fault, provider: provider)
        }
        let world = state.withLock { $0.world }
        var response: SimulatedResponse
        switch provider {
        case "streaming-availability":
            response = StreamingAvailabilityAPI(world: world, pageSize: options.pageSize).handle(request)
        case "watchmode":
            response = WatchmodeAPI(world: world, memo: memo, changesAllowed: options.watchmodeChangesAllowed).handle(
                request
            )
        case "justwatch":
            response = JustWatchAPI(world: world, memo: memo, offsetCeiling: options.justWatchOffsetCeiling).handle(
                request
            )
        default:
            if let exhausted = chargeYouTube(request) { return exhausted }
            response = YouTubeAPI(world: world).handle(request)
        }
        if let fault, fault.kind == .slow { response.delay = .milliseconds(fault.delayMilliseconds) }
        if let fault, fault.kind == .reset { response.dropsConnection = true }
        if let fault, fault.kind == .echoKey { response.body = Self.echoingKey(of: request, in: response.body) }
        return response
    }

    /// `body` (a JSON object) with a first field `echo` that repeats the request's key in the
    /// forms a provider or proxy may use.
    static func echoingKey(of request: SimulatedRequest, in body: Data) -> Data {
        let offered =
            request.query["apiKey"] ?? request.query["key"] ?? request.headers["x-api-key"]
            ?? request.headers["x-rapidapi-key"]
        guard let key = offered, body.first == UInt8(ascii: "{") else { return body }
        let escaped = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key
        // The same with lower-case hex digits: each `%XX` lowered, the key's own letters kept.
        let lowerHex = escaped.split(separator: "%", omittingEmptySubsequences: false).enumerated().map {
            $0.offset == 0 ? String($0.element) : $0.element.prefix(2).lowercased() + $0.element.dropFirst(2)
        }.joined(separator: "%")
        let forms = [
            key, escaped, lowerHex, key.replacingOccurrences(of: "/", with: "\\/"),
            Data(key.utf8).base64EncodedString(), Data(("user:" + key).utf8).base64EncodedString(),
        ]
        let echo = "{\"echo\":\"" + forms.joined(separator: " ") + "\","
        return Data(echo.utf8) + body.dropFirst()
    }

    static func hasAfter(_ request: SimulatedRequest) -> Bool {
        request.path == "/graphql" && String(decoding: request.body, as: UTF8.self).contains("\"after\"")
    }

    private func authenticate(_ request: SimulatedRequest, provider: String) -> SimulatedResponse? {
        guard let accepted = options.keys[provider], !accepted.isEmpty else { return nil }
        let offered =
            request.query["apiKey"] ?? request.query["key"] ?? request.headers["x-api-key"]
            ?? request.headers["x-rapidapi-key"]
        if let offered, accepted.contains(offered) { return nil }
        switch provider {
        case "watchmode":
            return .json(
                ["success": false, "statusCode": 401, "statusMessage": "Your API key is invalid."],
                status: 401
            )
        case "youtube":
            if request.path.hasPrefix("/feeds/") { return nil }
            return .json(
                [
                    "error": [
                        "code": 400, "message": "API key not valid. Please pass a valid API key.",
                        "errors": [
                            [
                                "reason": "badRequest", "domain": "global",
                                "message": "API key not valid. Please pass a valid API key.",
                            ]
                        ],
                    ]
                ],
                status: 400
            )
        default:
            return .json(
                ["message": "Invalid API key. Go to https://docs.rapidapi.com/docs/keys for more info."],
                status: 401
            )
        }
    }

    private func chargeYouTube(_ request: SimulatedRequest) -> SimulatedResponse? {
        guard request.path.hasPrefix("/youtube/v3/") else { return nil }
        let cost = request.path.hasSuffix("/search") ? 100 : 1
        let key = request.query["key"] ?? "-"
        let exhausted = state.withLock { state in
            if state.youtubeUnits[key, default: 0] + cost > options.youtubeDailyUnits { return true }
            state.youtubeUnits[key, default: 0] += cost
            return false
        }
        return exhausted ? respond(to: Fault(provider: "youtube", kind: .quota), provider: "youtube") : nil
    }

    func respond(to fault: Fault, provider: String) -> SimulatedResponse {
        switch fault.kind {
        case .rateLimit:
            switch provider {
            case "watchmode":
                return .json(
                    ["success": false, "statusCode": 429, "statusMessage": "The rate limit was exceeded."],
                    status: 429,
                    headers: ["Retry-After": String(fault.retryAfterSeconds), "X-RateLimit-Remaining": "0"]
                )
            default:
                return .json(
                    [
                        "message":
                            "You have exceeded the rate limit per second for your plan, BASIC, by the API provider"
                    ],
                    status: 429,
                    headers: ["Retry-After": String(fault.retryAfterSeconds)]
                )
            }
        case .serverError:
            return .json(["message": "upstream unavailable"], status: 503)
        case .truncated:
            let body = Data(
                "{\"shows\":[{\"itemType\":\"show\",\"showType\":\"movie\",\"id\":\"1\",\"title\":\"Trunc".utf8
            )
            return SimulatedResponse(status: 200, headers: ["Content-Type": "application/json"], body: body)
        case .malformed:
            return SimulatedResponse(
                status: 200,
                headers: ["Content-Type": "application/json"],
                body: Data("<html>Bad gateway</html>".utf8)
            )
        case .quota:
            switch provider {
            case "watchmode":
                return .json(
                    ["success": false, "statusCode": 402, "statusMessage": "Over plan quota on this API Key."],
                    status: 402
                )
            case "youtube":
                return .json(
                    [
                        "error": [
                            "code": 403,
                            "message": "The request cannot be completed because you have exceeded your quota.",
                            "errors": [
                                [
                                    "message": "The request cannot be completed because you have exceeded your quota.",
                                    "domain": "youtube.quota", "reason": "quotaExceeded",
                                ]
                            ],
                        ]
                    ],
                    status: 403
                )
            case "justwatch":
                return .json(["errors": [["message": "rate limit: too many requests"]], "data": NSNull()])
            default:
                return .json(
                    [
                        "message":
                            "You have exceeded the MONTHLY quota for Requests on your current plan, BASIC. Upgrade your plan at https://rapidapi.com/movie-of-the-night-movie-of-the-night-default/api/streaming-availability"
                    ],
                    status: 429
                )
            }
        case .expiredCursor:
            if provider == "justwatch" {
                return .json(["errors": [["message": "invalid cursor: expired"]], "data": NSNull()])
            }
            return .json(["message": "invalid cursor"], status: 400)
        case .slow, .reset, .echoKey:
            return .json([:])
        }
    }

    private func control(_ request: SimulatedRequest) -> SimulatedResponse {
        switch (request.method, request.path) {
        case ("POST", "/_simulator/faults"):
            let decoder = JSONDecoder()
            if let faults = try? decoder.decode([Fault].self, from: request.body) {
                inject(faults)
            } else if let fault = try? decoder.decode(Fault.self, from: request.body) {
                inject([fault])
            } else {
                return .json(["message": "expected a fault or a list of faults"], status: 400)
            }
            return .json(["ok": true])
        case ("POST", "/_simulator/touch"):
            touch(count: Int(request.query["count"] ?? "1") ?? 1)
            return .json(["ok": true])
        case ("GET", "/_simulator/stats"):
            return .json(["requests": requestCounts])
        case ("GET", "/_simulator/ground-truth"):
            return SimulatedResponse(headers: ["Content-Type": "application/x-ndjson"], body: world.groundTruth())
        default:
            return .json(["message": "unknown control endpoint"], status: 404)
        }
    }
}

/// A value behind a lock, for state shared by concurrent requests.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) {
        self.value = value
    }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// Recorded responses: `index.json` lists `{"method","path","query":{…},"status","file","contentType"}`.
struct Replay: Sendable {
    struct Entry: Codable, Sendable {
        var method: String?
        var path: String
        var query: [String: String]?
        var status: Int?
        var file: String
        var contentType: String?
    }

    let directory: String
    let entries: [Entry]

    init(directory: String) throws {
        self.directory = directory
        let index = (directory as NSString).appendingPathComponent("index.json")
        guard let data = FileManager.default.contents(atPath: index) else {
            throw MediaError(.notFound, "replay directory \(directory) has no index.json")
        }
        do {
            entries = try JSONDecoder().decode([Entry].self, from: data)
        } catch {
            throw MediaError(.badInput, "\(index): \(error)")
        }
    }

    func response(for request: SimulatedRequest) -> SimulatedResponse? {
        guard
            let entry = entries.first(where: { entry in
                (entry.method ?? "GET") == request.method && entry.path == request.path
                    && (entry.query ?? [:]).allSatisfy { request.query[$0.key] == $0.value }
            }),
            let body = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(entry.file))
        else { return nil }
        return SimulatedResponse(
            status: entry.status ?? 200,
            headers: ["Content-Type": entry.contentType ?? "application/json"],
            body: body
        )
    }
}
