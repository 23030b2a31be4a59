import ConfigFiles
import Foundation
import HTTPClient
import MediaModel
import Synchronization

/// Watchmode API v1 (`api.watchmode.com/v1`, key as `apiKey=` or the `X-API-Key` header).
///
/// Streams: `listing` — `/list-titles` per region (≤ 250 ids a page), each id fetched with
/// `/title/{id}/details?append_to_response=sources`, a full listing that first checks `/sources`
/// and `/regions` for services the mapping lacks; `changes` — the `/changes/*` endpoints over
/// date windows, falling back to the full listing when the plan refuses them (401/403);
/// `leaving` — `/title-leaving-dates`, setting `expiresOn` on the offers that end.
public struct WatchmodeConnector: ProviderConnector {
    public static let provider = "watchmode"
    static let streamNames = ["listing", "changes", "leaving"]
    static let paidPlanPlaceholder = "Deeplinks available for paid plans only."

    let context: ConnectorContext
    let listing: ListingOptions?
    let changes: ChangesOptions?
    let leaving: ListingOptions?
    let lists = ListPages()

    struct ListingOptions: Sendable {
        var regions: [String]
        var sourceTypes: [String]
        var types: [String]
        var pageSize: Int
        var detailsPerPage: Int
    }

    struct ChangesOptions: Sendable {
        var endpoints: [String]
        var lookbackDays: Int
        var fallback: ListingOptions
    }

    init(context: ConnectorContext, configuration: ConnectorConfiguration) throws {
        self.context = context
        let listingKeys = ["regions", "source_types", "types", "page_size", "details_per_page"]
        func listingOptions(_ members: [String: ConfigNode]) throws -> ListingOptions {
            ListingOptions(
                regions: try members["regions"]?.strings().map { $0.uppercased() } ?? ["US"],
                sourceTypes: try members["source_types"]?.strings() ?? ["sub", "free"],
                types: try members["types"]?.strings() ?? ["movie", "tv_series"],
                pageSize: try members["page_size"]?.int(in: 1...250) ?? 250,
                detailsPerPage: try members["details_per_page"]?.int(in: 1...250) ?? 25
            )
        }
        let listing = try configuration.stream("listing", allowed: listingKeys).map(listingOptions)
        self.listing = listing
        self.leaving = try configuration.stream("leaving", allowed: listingKeys).map(listingOptions)
        if let options = try configuration.stream("changes", allowed: ["endpoints", "lookback_days"] + listingKeys) {
            let endpoints =
                try options["endpoints"]?.strings() ?? [
                    "new_titles", "titles_sources_changed", "titles_details_changed",
                ]
            changes = ChangesOptions(
                endpoints: endpoints,
                lookbackDays: try options["lookback_days"]?.int(in: 1...90) ?? 1,
                fallback: try listing ?? listingOptions(options)
            )
        } else {
            changes = nil
        }
    }

    public var streams: [any IngestStream] {
        var streams: [any IngestStream] = []
        if let listing { streams.append(ListingStream(connector: self, options: listing, name: "listing")) }
        if let changes { streams.append(ChangesStream(connector: self, options: changes)) }
        if let leaving { streams.append(LeavingStream(connector: self, options: leaving)) }
        return streams
    }

    /// One details call, parsed and mapped by the task that fetched it.
    private struct Details: Sendable {
        enum Outcome: Sendable {
            case unreadable(any Error)
            case unmappable(JSONValue, any Error)
            case mapped(JSONValue, SourceRecord)
        }

        var index: Int
        var location: String
        var body: Data
        var outcome: Outcome
        var unmapped: [String: Int] = [:]
    }

    /// Fetches details with sources for `ids` (a few at a time) into `builder`. Each response is
    /// parsed and mapped in the task that fetched it, so that this work spreads over the cores.
    func addDetails(
        _ ids: [String],
        to builder: inout PageBuilder,
        expiries: [String: [(service: String, country: String, date: String)]] = [:]
    ) async throws {
        let mapping = mapping
        @Sendable func details(_ index: Int, _ call: ProviderCall) async throws -> Details {
            let response = try await client.send(call)
            var unmapped: [String: Int] = [:]
            let outcome: Details.Outcome
            do {
                let details = try JSONValue.parse(response.body)
                do {
                    var record = try Self.record(details: details, mapping: mapping, unmapped: &unmapped)
                    if let ends = expiries[record.id], var offers = record.offers {
                        for index in offers.indices {
                            if let end = ends.first(where: {
                                $0.service == offers[index].service && $0.country == offers[index].country
                            }) {
                                offers[index].expiresOn = end.date
                            }
                        }
                        record.offers = offers
                    }
                    outcome = .mapped(details, record)
                } catch {
                    outcome = .unmappable(details, error)
                }
            } catch {
                outcome = .unreadable(error)
            }
            return Details(
                index: index,
                location: call.location,
                body: response.body,
                outcome: outcome,
                unmapped: unmapped
            )
        }
        let fetched = try await withThrowingTaskGroup(of: Details.self) { group in
            var results: [Details] = []
            var next = 0
            func launch() {
                let index = next
                let call = ProviderCall(path: "title/\(ids[index])/details", query: [("append_to_response", "sources")])
                group.addTask { try await details(index, call) }
                next += 1
            }
            while next < min(4, ids.count) { launch() }
            while let result = try await group.next() {
                results.append(result)
                if next < ids.count { launch() }
            }
            return results.sorted { $0.index < $1.index }
        }
        builder.page.merge = .keepOfferDates
        for outcome in fetched {
            builder.page.payloads.append(RawPayload(body: outcome.body, location: outcome.location))
            for (value, count) in outcome.unmapped { builder.page.unmapped[value, default: 0] += count }
            switch outcome.outcome {
            case .unreadable(let error):
                builder.reject(
                    location: outcome.location,
                    reason: "\(error)",
                    excerpt: ProviderClient.snippet(outcome.body)
                )
            case .unmappable(let details, let error):
                builder.reject(location: outcome.location, reason: "\(error)", excerpt: details.excerpt)
            case .mapped(let details, let record):
                builder.add(record, location: outcome.location, excerpt: details.excerpt)
            }
        }
    }

    /// The list page each stream read last. A page of up to 250 ids commits in chunks of
    /// `details_per_page`; without this, each chunk fetched (a request and a credit) and parsed
    /// the same list again. A new connector (each run) starts empty.
    final class ListPages: Sendable {
        private let last = Mutex<[String: (location: String, response: HTTPResponse, body: JSONValue)]>([:])

        func read(_ call: ProviderCall, stream: String, client: ProviderClient) async throws
            -> (HTTPResponse, JSONValue)
        {
            let location = call.location
            if let kept = last.withLock({ $0[stream] }), kept.location == location { return (kept.response, kept.body) }
            let response = try await client.send(call)
            let body = try JSONValue.page(response.body, location: location)
            last.withLock { $0[stream] = (location, response, body) }
            return (response, body)
        }
    }

    /// Where a paged id listing goes after committing `chunk` ids of a page of `ids`: the rest of
    /// the page, the next page (1-based `page`, up to `total_pages`), or nil at the end.
    static func advance(page: Int, offset: Int, chunk: Int, ids: Int, body: JSONValue) -> (page: Int, offset: Int)? {
        if offset + chunk < ids { return (page, offset + chunk) }
        if page < (body["total_pages"]?.int ?? page) && ids > 0 { return (page + 1, 0) }
        return nil
    }

    /// The ids of listing page `body` to fetch details for from `position` (at most `size`), and
    /// the position after them: the rest of the page, the next page, or nil at the listing's end.
    static func chunk<Position: ListingPosition>(
        of ids: [String],
        from position: Position,
        size: Int,
        body: JSONValue
    ) -> (ids: [String], next: Position?) {
        let chunk = Array(ids.dropFirst(position.offset).prefix(size))
        guard
            let (page, offset) = advance(
                page: position.page,
                offset: position.offset,
                chunk: chunk.count,
                ids: ids.count,
                body: body
            )
        else { return (chunk, nil) }
        var next = position
        next.page = page
        next.offset = offset
        return (chunk, next)
    }

    /// A page of details for a chunk of a listing page: the listing's payload is archived with the
    /// page's first chunk only.
    static func detailsPage(
        listing response: HTTPResponse,
        call: ProviderCall,
        from position: some ListingPosition,
        cursor: String,
        isLast: Bool
    ) -> PageBuilder {
        PageBuilder(
            payloads: position.offset == 0 ? [RawPayload(body: response.body, location: call.location)] : [],
            cursor: cursor,
            isLast: isLast
        )
    }
}

/// A stream's place in a paged id listing: the page (1-based) and how many of its ids are done.
protocol ListingPosition: Codable {
    var page: Int { get set }
    var offset: Int { get set }
}
