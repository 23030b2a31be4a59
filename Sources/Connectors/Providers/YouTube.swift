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
public struct YouTubeConnector: Sendable {
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

    let client: ProviderClient
    let feedClient: ProviderClient
    let mapping: Mapping
    let targets: [Target]
    let offerCountries: [String]
    let streamsEnabled: Set<String>
    let searchQueries: [String]
    let searchPages: Int
    let searchInBucket: Bool
    let costs: [String: Int]

    public init(configuration: ConnectorConfiguration, client: ProviderClient) throws {
        try configuration.checkStreamNames(Self.streamNames)
        self.client = client
        self.mapping = configuration.mapping
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
        var feedSettings = client.settings
        feedSettings.baseURL = feedsURL
        feedSettings.auth = .none
        feedSettings.keys = []
        feedSettings.quota.dailyUnits = nil
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

    // MARK: Mapping

    func record(video: JSONValue, kind: TitleKind) throws -> SourceRecord {
        let id = try video.require("id")
        guard let snippet = video["snippet"] else { throw MappingError("missing field 'snippet'") }
        var record = SourceRecord(source: Self.provider, id: id, kind: kind, title: try snippet.require("title"))
        record.overview = snippet["description"]?.string
        record.releaseDate = ProviderValues.isoDate(snippet["publishedAt"]?.string)
        record.year = ProviderValues.year(snippet["publishedAt"]?.string)
        record.runtimeMinutes = video["contentDetails"]?["duration"]?.string.flatMap {
            ProviderValues.minutes(iso8601Duration: $0)
        }
        if let language = (snippet["defaultAudioLanguage"]?.string ?? snippet["defaultLanguage"]?.string)?.prefix(2) {
            record.languages = [String(language)]
        }
        record.images = Self.images(videoID: id)
        let restriction = video["contentDetails"]?["regionRestriction"]
        let allowed = restriction?["allowed"]?.strings.map(Set.init)
        let blocked = Set(restriction?["blocked"]?.strings ?? [])
        record.offers = offers(videoID: id) { country in
            (allowed?.contains(country) ?? true) && !blocked.contains(country)
        }
        return record
    }

    static func images(videoID: String) -> [Image] {
        [Image(kind: "thumbnail", url: "https://i.ytimg.com/vi/\(videoID)/hqdefault.jpg", width: 480, height: 360)]
    }

    func offers(videoID: String, where available: (String) -> Bool = { _ in true }) -> [Offer]? {
        let offers = offerCountries.filter(available).map { country in
            Offer(
                country: country,
                service: "youtube",
                monetization: .free,
                webURL: "https://www.youtube.com/watch?v=\(videoID)",
                deepLink: "vnd.youtube:\(videoID)"
            )
        }
        return offers.isEmpty ? nil : offers
    }

    /// Records from an Atom feed: the fields a feed has; the rest keeps its staged values.
    func records(feed: Data, kind: TitleKind, newerThan: String?) throws -> (
        records: [(SourceRecord, String)], newest: String?
    ) {
        let document = try XMLDocument(data: feed, options: [])
        guard let root = document.rootElement(), root.localName == "feed" else {
            throw MappingError("not an Atom feed")
        }
        var records: [(SourceRecord, String)] = []
        var newest = newerThan
        for (index, entry) in root.children(named: "entry").enumerated() {
            guard let id = entry.child(named: "videoId")?.stringValue, !id.isEmpty,
                let title = entry.child(named: "title")?.stringValue
            else { continue }
            let updated =
                entry.child(named: "updated")?.stringValue ?? entry.child(named: "published")?.stringValue ?? ""
            if let newerThan, updated <= newerThan { continue }
            if updated > (newest ?? "") { newest = updated }
            var record = SourceRecord(source: Self.provider, id: id, kind: kind, title: title)
            let published = entry.child(named: "published")?.stringValue
            record.releaseDate = ProviderValues.isoDate(published)
            record.year = ProviderValues.year(published)
            let description = entry.child(named: "group")?.child(named: "description")?.stringValue
            record.overview = description?.isEmpty == false ? description : nil
            record.images = Self.images(videoID: id)
            record.offers = offers(videoID: id)
            records.append((record, "entry[\(index)]"))
        }
        return (records, newest)
    }

    // MARK: Streams

    struct UploadsStream: IngestStream {
        struct State: Codable {
            var target = 0
            var playlist: String?
            var pageToken: String?
            var done: Bool?
        }

        let connector: YouTubeConnector
        var name: String { "uploads" }
        var source: String { provider }
        var cursorKind: CursorKind { .opaque }
        var isFullListing: Bool { false }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            var state = try CursorCoding.decode(State.self, from: cursor, stream: name) ?? State()
            if state.done == true || state.target >= connector.targets.count { state = State() }
            guard !connector.targets.isEmpty else {
                return FetchedPage(payloads: [], cursor: CursorCoding.encode(State(done: true)), isLast: true)
            }
            let target = connector.targets[state.target]
            guard let playlist = state.playlist else {
                switch target.reference {
                case .playlist(let id):
                    state.playlist = id
                    return FetchedPage(payloads: [], cursor: CursorCoding.encode(state), isLast: false)
                case .channel(let channel):
                    let call = connector.call(
                        "channels.list",
                        "channels",
                        [("part", "contentDetails"), ("id", channel)]
                    )
                    let response = try await connector.client.send(call)
                    let body = try JSONValue.page(response.body, location: call.location)
                    guard let uploads = body["items"]?[0]?["contentDetails"]?["relatedPlaylists"]?["uploads"]?.string
                    else {
                        throw ConnectorError.failed(
                            provider: provider,
                            message: "channel \(channel) not found or has no uploads playlist"
                        )
                    }
                    state.playlist = uploads
                    return FetchedPage(
                        payloads: [RawPayload(body: response.body, location: call.location)],
                        cursor: CursorCoding.encode(state),
                        isLast: false
                    )
                }
            }
            var query = [("part", "contentDetails"), ("playlistId", playlist), ("maxResults", "50")]
            if let token = state.pageToken { query.append(("pageToken", token)) }
            let call = connector.call("playlistItems.list", "playlistItems", query)
            let response = try await connector.client.send(call)
            let body = try JSONValue.page(response.body, location: call.location)
            let ids = (body["items"]?.array ?? []).compactMap {
                $0["contentDetails"]?["videoId"]?.string ?? $0["snippet"]?["resourceId"]?["videoId"]?.string
            }
            var next = state
            if let token = body["nextPageToken"]?.string {
                next.pageToken = token
            } else if state.target + 1 < connector.targets.count {
                next = State(target: state.target + 1)
            } else {
                next = State(done: true)
            }
            var builder = PageBuilder(
                payloads: [RawPayload(body: response.body, location: call.location)],
                cursor: CursorCoding.encode(next),
                isLast: next.done == true
            )
            try await connector.addVideos(ids, kind: target.kind, to: &builder)
            return builder.page
        }
    }

    struct SearchStream: IngestStream {
        struct State: Codable {
            var query = 0
            var page = 0
            var pageToken: String?
            var done: Bool?
        }

        let connector: YouTubeConnector
        var name: String { "search" }
        var source: String { provider }
        var cursorKind: CursorKind { .opaque }
        var isFullListing: Bool { false }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            var state = try CursorCoding.decode(State.self, from: cursor, stream: name) ?? State()
            if state.done == true || state.query >= connector.searchQueries.count { state = State() }
            guard !connector.searchQueries.isEmpty else {
                return FetchedPage(payloads: [], cursor: CursorCoding.encode(State(done: true)), isLast: true)
            }
            var query = [
                ("part", "snippet"), ("type", "video"), ("q", connector.searchQueries[state.query]),
                ("maxResults", "50"),
            ]
            if let token = state.pageToken { query.append(("pageToken", token)) }
            let call = connector.call("search.list", "search", query)
            let response = try await connector.client.send(call)
            let body = try JSONValue.page(response.body, location: call.location)
            let ids = (body["items"]?.array ?? []).compactMap { $0["id"]?["videoId"]?.string }
            var next = state
            if let token = body["nextPageToken"]?.string, state.page + 1 < connector.searchPages {
                next.page += 1
                next.pageToken = token
            } else if state.query + 1 < connector.searchQueries.count {
                next = State(query: state.query + 1)
            } else {
                next = State(done: true)
            }
            var builder = PageBuilder(
                payloads: [RawPayload(body: response.body, location: call.location)],
                cursor: CursorCoding.encode(next),
                isLast: next.done == true
            )
            try await connector.addVideos(ids, kind: .video, to: &builder)
            return builder.page
        }
    }

    /// The Atom feeds, one feed a page; the cursor keeps each feed's newest `updated` time.
    struct FeedStream: IngestStream {
        struct State: Codable {
            var target = 0
            var newest: [String: String] = [:]
        }

        let connector: YouTubeConnector
        var name: String { "feeds" }
        var source: String { provider }
        var cursorKind: CursorKind { .feed }
        var isFullListing: Bool { false }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            var state = try CursorCoding.decode(State.self, from: cursor, stream: name) ?? State()
            if state.target >= connector.targets.count { state.target = 0 }
            guard !connector.targets.isEmpty else {
                return FetchedPage(payloads: [], cursor: CursorCoding.encode(state), isLast: true)
            }
            let target = connector.targets[state.target]
            let parameter: (String, String)
            switch target.reference {
            case .channel(let id): parameter = ("channel_id", id)
            case .playlist(let id): parameter = ("playlist_id", id)
            }
            let call = ProviderCall(path: "feeds/videos.xml", query: [parameter], units: 0)
            let response = try await connector.feedClient.send(call)
            let key = "\(parameter.0)=\(parameter.1)"
            var next = state
            next.target = state.target + 1
            let isLast = next.target >= connector.targets.count
            if isLast { next.target = 0 }
            var builder = PageBuilder(
                payloads: [
                    RawPayload(body: response.body, location: call.location, contentType: "application/atom+xml")
                ],
                cursor: "",
                isLast: isLast
            )
            builder.page.merge = .fillMissingFields
            do {
                let parsed = try connector.records(feed: response.body, kind: target.kind, newerThan: state.newest[key])
                let callLocation = call.location
                for (record, location) in parsed.records {
                    builder.add(record, location: "\(callLocation) · \(location)", excerpt: record.title)
                }
                next.newest[key] = parsed.newest
            } catch {
                throw ConnectorError.unreadablePage(location: call.location, reason: "\(error)")
            }
            builder.page.cursor = CursorCoding.encode(next)
            return builder.page
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
