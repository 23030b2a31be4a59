import Foundation
import MediaModel

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
