import ConfigFiles
import Foundation
import HTTPClient
import MediaModel

/// Streaming Availability API v4 (`api.movieofthenight.com/v4`, direct or through RapidAPI).
///
/// Streams: `catalog` — `/shows/search/filters` per country with the configured catalogs, cursor
/// paging, a full listing; `changes` — `/changes` per country and change type over time windows
/// of at most 31 days with cursor paging, the incremental stream. `/shows/{id}` refreshes one
/// title. A show becomes one source record per country (`82@us`) holding that country's offers,
/// plus season and episode records when the show carries them.
public struct StreamingAvailabilityConnector: ProviderConnector {
    public static let provider = "streaming-availability"
    static let streamNames = ["catalog", "changes"]

    let context: ConnectorContext
    let catalog: CatalogOptions?
    let changes: ChangesOptions?

    struct CatalogOptions: Sendable {
        var countries: [String]
        var catalogs: [String]
        var showType: String?
    }

    struct ChangesOptions: Sendable {
        var countries: [String]
        var changeTypes: [String]
        var catalogs: [String]
        var lookback: TimeInterval
        var windowLength: TimeInterval
    }

    init(context: ConnectorContext, configuration: ConnectorConfiguration) throws {
        self.context = context
        if let options = try configuration.stream("catalog", allowed: ["countries", "catalogs", "show_type"]) {
            catalog = CatalogOptions(
                countries: try Self.countries(options["countries"], in: configuration),
                catalogs: try options["catalogs"]?.strings() ?? [],
                showType: try options["show_type"]?.string()
            )
        } else {
            catalog = nil
        }
        let changeKeys = ["countries", "change_types", "catalogs", "lookback_hours", "window_days"]
        if let options = try configuration.stream("changes", allowed: changeKeys) {
            let types = try options["change_types"]?.strings() ?? ["new", "updated", "removed", "expiring"]
            let known = ["new", "removed", "updated", "expiring", "upcoming"]
            if let bad = types.first(where: { !known.contains($0) }) {
                throw options["change_types"]!.error(
                    "unknown change type '\(bad)'; expected \(known.joined(separator: ", "))"
                )
            }
            changes = ChangesOptions(
                countries: try Self.countries(options["countries"], in: configuration),
                changeTypes: types,
                catalogs: try options["catalogs"]?.strings() ?? [],
                lookback: TimeInterval(try options["lookback_hours"]?.int(in: 1...744) ?? 24) * 3600,
                windowLength: TimeInterval(try options["window_days"]?.int(in: 1...31) ?? 31) * 86_400
            )
        } else {
            changes = nil
        }
    }

    static func countries(_ node: ConfigNode?, in configuration: ConnectorConfiguration) throws -> [String] {
        guard let node else { return ["us"] }
        let countries = try node.strings().map { $0.lowercased() }
        if let bad = countries.first(where: { $0.count != 2 || !$0.allSatisfy(\.isLetter) }) {
            throw node.error("expected ISO 3166-1 alpha-2 country codes, found '\(bad)'")
        }
        return countries
    }

    /// RapidAPI answers a spent monthly or daily quota with 429 and a message saying so; only a
    /// per-second limit is worth retrying.
    @Sendable static func verdict(_ response: HTTPResponse) -> Verdict {
        guard response.status == 429 || response.status == 400,
            let message = (try? JSONValue.parse(response.body))?["message"]?.string
        else { return ProviderClient.standardVerdict(response) }
        if response.status == 429 && message.localizedCaseInsensitiveContains("quota") { return .quotaExhausted }
        if response.status == 400 && message.localizedCaseInsensitiveContains("cursor") {
            return .expiredCursor("HTTP 400: \(message)")
        }
        return ProviderClient.standardVerdict(response)
    }

    /// The configured streams.
    public var streams: [any IngestStream] {
        var streams: [any IngestStream] = []
        if let catalog { streams.append(CatalogStream(connector: self, options: catalog)) }
        if let changes { streams.append(ChangesStream(connector: self, options: changes)) }
        return streams
    }

    /// Fetches one show (`82`, `tt0068646`, `movie/238`, `tv/1396`) in every country.
    public func refresh(showID: String) async throws -> FetchedPage {
        let call = ProviderCall(path: "shows/\(showID)", query: [("series_granularity", "episode")])
        let response = try await client.send(call)
        let payload = RawPayload(body: response.body, location: call.location)
        var builder = PageBuilder(payloads: [payload], cursor: "", isLast: true)
        let show = try JSONValue.page(response.body, location: call.location)
        builder.addEach([show], location: { _ in call.location }) { show, unmapped in
            let countries = show["streamingOptions"]?.object?.keys.sorted() ?? []
            return try countries.flatMap {
                try Self.records(show: show, country: $0, mapping: mapping, unmapped: &unmapped)
            }
        }
        return builder.page
    }

    /// `/shows/{id}` for each of `ids`, one page a show; the cursor is the index of the next.
    func refreshStream(ids: [String]) -> any IngestStream { RefreshStream(connector: self, ids: ids) }

    struct RefreshStream: ProviderStream {
        /// The cursor is the index of the next id, as plain digits.
        typealias State = Int
        let connector: StreamingAvailabilityConnector
        let ids: [String]
        var name: String { "refresh" }
        var cursorKind: CursorKind { .page }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            let index = min(Int(cursor ?? "") ?? 0, max(ids.count - 1, 0))
            guard !ids.isEmpty else { return FetchedPage(payloads: [], cursor: "0", isLast: true) }
            var page = try await connector.refresh(showID: ids[index])
            page.cursor = String(index + 1)
            page.isLast = index + 1 >= ids.count
            page.progress = Double(index + 1) / Double(ids.count)
            return page
        }
    }
}
