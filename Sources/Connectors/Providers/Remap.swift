import Foundation
import HTTPClient
import Logging
import MediaModel

/// An archived call's location (`GET /changes?country=us&… · shows[82]`) taken apart.
struct CallLocation {
    /// The path, or for GraphQL the operation (`GetPopularTitles`).
    var path: String
    var query: [String: String]

    init(_ location: String) {
        var call = location.components(separatedBy: " · ")[0]
        if let space = call.firstIndex(of: " ") { call = String(call[call.index(after: space)...]) }
        // GraphQL calls are archived as `graphql Operation?variables`.
        if call.hasPrefix("graphql ") { call = String(call.dropFirst("graphql ".count)) }
        let parts = call.split(separator: "?", maxSplits: 1)
        path = parts.first.map(String.init) ?? ""
        query = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let halves = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).removingPercentEncoding ?? String($0)
                }
                query[halves[0]] = halves.count == 2 ? halves[1] : ""
            }
        }
    }
}

extension Connector {
    /// Re-derives records from an archived payload with the current mapping code and tables:
    /// returns the page it maps to, or nil for payloads that carry no records (id lists, catalog
    /// checks, playlist pages). Sends no request, so no key is needed.
    public static func remapper(for configuration: ConnectorConfiguration, logger: Logger) throws
        -> @Sendable (Data, String) throws -> FetchedPage?
    {
        let settings = try configuration.clientSettings(loadKeys: false)
        let client = ProviderClient(
            settings: settings,
            transport: RefusingTransport(),
            ledger: MemoryQuotaLedger(),
            logger: logger
        )
        let mapping = configuration.mapping
        switch configuration.provider {
        case StreamingAvailabilityConnector.provider:
            return { body, location in try StreamingAvailabilityConnector.remap(body, location, mapping: mapping) }
        case WatchmodeConnector.provider:
            return { body, location in try WatchmodeConnector.remap(body, location, mapping: mapping) }
        case JustWatchConnector.provider:
            return { body, location in try JustWatchConnector.remap(body, location, mapping: mapping) }
        case YouTubeConnector.provider:
            let connector = try YouTubeConnector(configuration: configuration, client: client)
            return { body, location in try connector.remap(body, location) }
        default:
            throw ConnectorError.failed(provider: configuration.provider, message: "no connector")
        }
    }
}

/// A transport for work that must not send anything.
struct RefusingTransport: HTTPTransport {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        throw URLError(.cancelled)
    }
}

extension StreamingAvailabilityConnector {
    static func remap(_ body: Data, _ location: String, mapping: Mapping) throws -> FetchedPage? {
        let call = CallLocation(location)
        var builder = PageBuilder(payloads: [], cursor: "", isLast: true)
        let page = try JSONValue.page(body, location: location)
        if call.path == "/shows/search/filters", let country = call.query["country"] {
            builder.addEach(page["shows"]?.array ?? [], location: { "\(location) · shows[\($0)]" }) { show, unmapped in
                try records(show: show, country: country, mapping: mapping, unmapped: &unmapped)
            }
        } else if call.path == "/changes", let country = call.query["country"] {
            let shows = (page["shows"]?.object?.members ?? []).sorted { $0.key < $1.key }
            builder.addEach(shows.map(\.value), location: { "\(location) · shows[\(shows[$0].key)]" }) {
                show,
                unmapped in
                try records(show: show, country: country, mapping: mapping, unmapped: &unmapped)
            }
        } else if call.path.hasPrefix("/shows/") {
            builder.addEach([page], location: { _ in location }) { show, unmapped in
                try (show["streamingOptions"]?.object?.keys.sorted() ?? []).flatMap {
                    try records(show: show, country: $0, mapping: mapping, unmapped: &unmapped)
                }
            }
        } else {
            return nil
        }
        return builder.page
    }
}

extension WatchmodeConnector {
    static func remap(_ body: Data, _ location: String, mapping: Mapping) throws -> FetchedPage? {
        let call = CallLocation(location)
        guard call.path.hasPrefix("/title/"), call.path.hasSuffix("/details") else { return nil }
        var builder = PageBuilder(payloads: [], cursor: "", isLast: true)
        builder.page.merge = .keepOfferDates
        builder.addEach([try JSONValue.page(body, location: location)], location: { _ in location }) {
            details,
            unmapped in
            [try record(details: details, mapping: mapping, unmapped: &unmapped)]
        }
        return builder.page
    }
}

extension JustWatchConnector {
    static func remap(_ body: Data, _ location: String, mapping: Mapping) throws -> FetchedPage? {
        let call = CallLocation(location)
        let field: String
        switch call.path {
        case "GetPopularTitles": field = "popularTitles"
        case "GetNewTitles": field = "newTitles"
        default: return nil
        }
        guard let country = call.query["country"] else { return nil }
        let page = try JSONValue.page(body, location: location)
        var builder = PageBuilder(payloads: [], cursor: "", isLast: true)
        let edges = page["data"]?[field]?["edges"]?.array ?? []
        builder.addEach(edges.compactMap { $0["node"] }, location: { "\(location) · edges[\($0)]" }) { node, unmapped in
            [try record(node: node, country: country, mapping: mapping, unmapped: &unmapped)]
        }
        return builder.page
    }
}

extension YouTubeConnector {
    /// The kind configured for a channel or playlist (`video` when not configured).
    func kind(channel: String?, playlist: String?) -> TitleKind {
        for target in targets {
            switch target.reference {
            case .channel(let id) where id == channel: return target.kind
            case .playlist(let id) where id == playlist: return target.kind
            default: continue
            }
        }
        return .video
    }

    func remap(_ body: Data, _ location: String) throws -> FetchedPage? {
        let call = CallLocation(location)
        var builder = PageBuilder(payloads: [], cursor: "", isLast: true)
        if call.path == "/videos" {
            let page = try JSONValue.page(body, location: location)
            builder.addEach(page["items"]?.array ?? [], location: { "\(location) · items[\($0)]" }) { video, _ in
                let channel = video["snippet"]?["channelId"]?.string
                return [try record(video: video, kind: kind(channel: channel, playlist: nil))]
            }
        } else if call.path.hasSuffix("/feeds/videos.xml") {
            builder.page.merge = .fillMissingFields
            let kind = kind(channel: call.query["channel_id"], playlist: call.query["playlist_id"])
            for (record, position) in try records(feed: body, kind: kind, newerThan: nil).records {
                builder.add(record, location: "\(location) · \(position)", excerpt: record.title)
            }
        } else {
            return nil
        }
        return builder.page
    }
}
