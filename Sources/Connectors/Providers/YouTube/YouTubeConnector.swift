import ConfigFiles
import Foundation
import HTTPClient
import MediaModel

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// YouTube: the Data API v3 and the channel/playlist Atom feeds.
///
/// Streams: `uploads` — for each configured channel `channels.list` → uploads playlist, then for
/// each playlist `playlistItems.list` (50 a page) → `videos.list` with snippet, contentDetails and
/// statistics; `search` — `search.list` for configured queries (100 units each, or a separate
/// call bucket, as configured) → `videos.list`; `feeds` — `/feeds/videos.xml?channel_id=` or
/// `?playlist_id=`, quota-free, parsed with libxml2, the incremental stream. Videos become records
/// of kind `video` (or the kind a channel is configured as) with a free offer on YouTube.
public struct YouTubeConnector: ProviderConnector {
    public static let provider = "youtube"
    static let streamNames = ["uploads", "search", "feeds"]

    struct Target: Sendable {
        enum Reference: Sendable {
            case channel(String)
            case playlist(String)
        }
        var reference: Reference
        var kind: TitleKind
    }

    let context: ConnectorContext
    let feedClient: ProviderClient
    let targets: [Target]
    let offerCountries: [String]
    let streamsEnabled: Set<String>
    let searchQueries: [String]
    let searchPages: Int
    let searchInBucket: Bool
    let costs: [String: Int]

    init(context: ConnectorContext, configuration: ConnectorConfiguration) throws {
        self.context = context
        costs = ["channels.list": 1, "playlistItems.list": 1, "videos.list": 1, "search.list": 100]
            .merging(configuration.methodCosts) { $1 }
        var targets: [Target] = []
        var countries = ["US"]
        var enabled: Set<String> = []
        var feedsURL = URL(string: "https://www.youtube.com")!
        var queries: [String] = []
        var pages = 1
        var inBucket = false
        let targetKeys = ["channels", "playlists", "offer_countries"]
        func readTargets(_ members: [String: ConfigNode]) throws {
            guard targets.isEmpty else { return }
            for (key, build) in [("channels", Target.Reference.channel), ("playlists", Target.Reference.playlist)] {
                for entry in try members[key]?.list() ?? [] {
                    if let id = try? entry.string() {
                        targets.append(Target(reference: build(id), kind: .video))
                        continue
                    }
                    let fields = try entry.members(allowed: ["id", "kind"])
                    guard let id = fields["id"] else { throw entry.error("expected 'id'") }
                    var kind = TitleKind.video
                    if let kindNode = fields["kind"] {
                        let name = try kindNode.string()
                        guard let parsed = TitleKind(rawValue: name),
                            [.video, .movie, .episode, .short].contains(parsed)
                        else {
                            throw kindNode.error("expected video, movie, episode or short, found '\(name)'")
                        }
                        kind = parsed
                    }
                    targets.append(Target(reference: build(try id.string()), kind: kind))
                }
            }
            if let node = members["offer_countries"] { countries = try node.strings().map { $0.uppercased() } }
        }
        if let options = try configuration.stream("uploads", allowed: targetKeys) {
            enabled.insert("uploads")
            try readTargets(options)
        }
        if let options = try configuration.stream("feeds", allowed: targetKeys + ["feeds_url"]) {
            enabled.insert("feeds")
            try readTargets(options)
            if let node = options["feeds_url"] {
                guard let url = URL(string: try node.string()), url.host != nil else {
                    throw node.error("expected a URL")
                }
                feedsURL = url
            }
        }
        if let options = try configuration.stream(
            "search",
            allowed: ["queries", "pages", "quota_model", "offer_countries"]
        ) {
            enabled.insert("search")
            queries = try options["queries"]?.strings() ?? []
            pages = try options["pages"]?.int(in: 1...10) ?? 1
            if let node = options["quota_model"] {
                switch try node.string() {
                case "units": inBucket = false
                case "bucket": inBucket = true
                case let other:
                    throw node.error(
                        "expected 'units' (100 units a call) or 'bucket' (a separate daily call budget), found '\(other)'"
                    )
                }
            }
            if let node = options["offer_countries"] { countries = try node.strings().map { $0.uppercased() } }
        }
        self.targets = targets
        offerCountries = countries
        streamsEnabled = enabled
        searchQueries = queries
        searchPages = pages
        searchInBucket = inBucket
        let client = context.client
        var feedSettings = client.settings
        feedSettings.baseURL = feedsURL
        feedSettings.auth = .none
        feedSettings.keys = []
        feedSettings.limits.quota.dailyUnits = nil
        feedClient = ProviderClient(
            settings: feedSettings,
            transport: client.transport,
            ledger: client.ledger,
            logger: client.logger
        )
    }

    public var streams: [any IngestStream] {
        var streams: [any IngestStream] = []
        if streamsEnabled.contains("uploads") { streams.append(UploadsStream(connector: self)) }
        if streamsEnabled.contains("search") { streams.append(SearchStream(connector: self)) }
        if streamsEnabled.contains("feeds") { streams.append(FeedStream(connector: self)) }
        return streams
    }

    /// 403 `quotaExceeded`/`dailyLimitExceeded` means wait for the daily reset; rate limits retry.
    @Sendable static func verdict(_ response: HTTPResponse) -> Verdict {
        guard response.status == 403 || response.status == 429,
            let error = (try? JSONValue.parse(response.body))?["error"]
        else { return ProviderClient.standardVerdict(response) }
        let reasons = (error["errors"]?.array ?? []).compactMap { $0["reason"]?.string }
        if reasons.contains(where: { ["quotaExceeded", "dailyLimitExceeded"].contains($0) }) { return .quotaExhausted }
        if reasons.contains(where: { ["rateLimitExceeded", "userRateLimitExceeded"].contains($0) })
            || response.status == 429
        {
            return .retry(
                after: response.header("retry-after").flatMap { Backoff.retryAfter($0) },
                reason: reasons.joined(separator: ",")
            )
        }
        return .forbidden(error["message"]?.string ?? "forbidden")
    }

    func call(_ method: String, _ resource: String, _ query: [(String, String)]) -> ProviderCall {
        if method == "search.list" && searchInBucket {
            return ProviderCall(path: resource, query: query, units: 1, bucket: "search")
        }
        return ProviderCall(path: resource, query: query, units: costs[method] ?? 1)
    }

    /// `videos.list` for up to 50 ids, mapped into `builder`.
    func addVideos(_ ids: [String], kind: TitleKind, to builder: inout PageBuilder) async throws {
        guard !ids.isEmpty else { return }
        let call = call(
            "videos.list",
            "videos",
            [("part", "snippet,contentDetails,statistics"), ("id", ids.joined(separator: ",")), ("maxResults", "50")]
        )
        let response = try await client.send(call)
        let location = call.location
        builder.page.payloads.append(RawPayload(body: response.body, location: location))
        let body = try JSONValue.page(response.body, location: location)
        builder.addEach(body["items"]?.array ?? [], location: { "\(location) · items[\($0)]" }) { video, _ in
            [try record(video: video, kind: kind)]
        }
    }
}

extension XMLElement {
    /// Child elements with this local name, whatever their namespace prefix.
    func children(named local: String) -> [XMLElement] {
        (children ?? []).compactMap { $0 as? XMLElement }.filter { $0.localName == local }
    }

    func child(named local: String) -> XMLElement? {
        children(named: local).first
    }
}
