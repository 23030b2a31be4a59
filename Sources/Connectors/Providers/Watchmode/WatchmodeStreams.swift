import Foundation
import HTTPClient
import Synchronization
import MediaModel

// The Watchmode ingest streams: what each fetches, page by page, and where it resumes.
extension WatchmodeConnector {
    /// `/list-titles` page by page, with details for each id, a few ids per committed page.
    struct ListingStream: ListingPassStream {
        struct State: ListingPass {
            var page = 1
            var offset = 0
            var checkedCatalog = false
            var done: Bool?
        }

        let connector: WatchmodeConnector
        let options: ListingOptions
        let name: String
        var cursorKind: CursorKind { .page }
        var isFullListing: Bool { true }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            let state = try resumedState(cursor)
            if !state.checkedCatalog {
                return try await checkCatalog(state)
            }
            // All regions in one listing: a title available in several is fetched once.
            let region = options.regions.joined(separator: ",")
            let call = ProviderCall(
                path: "list-titles",
                query: [
                    ("regions", region), ("source_types", options.sourceTypes.joined(separator: ",")),
                    ("types", options.types.joined(separator: ",")), ("sort_by", "popularity_desc"),
                    ("page", String(state.page)), ("limit", String(options.pageSize)),
                ]
            )
            let (response, body) = try await connector.lists.read(call, stream: name, client: connector.client)
            let ids = try body.requiredArray("titles", at: call.location).compactMap { $0["id"]?.int.map(String.init) }
            let (chunk, next, first) = chunkPage(ids, from: state, listing: (response, body), call: call)
            var builder = first
            if let pages = body["total_pages"]?.int, pages > 0 {
                builder.page.progress = next.done == true ? 1 : min(Double(next.page - 1) / Double(pages), 1)
            }
            builder.page.completesPass = next.done == true
            try await connector.addDetails(chunk, to: &builder)
            return builder.page
        }

        /// `/sources` and `/regions`: counts services the mapping lacks and regions Watchmode
        /// does not cover, before any title is fetched.
        private func checkCatalog(_ state: State) async throws -> FetchedPage {
            let sourcesCall = ProviderCall(
                path: "sources",
                query: [("regions", options.regions.joined(separator: ","))]
            )
            let regionsCall = ProviderCall(path: "regions")
            let sources = try await connector.client.send(sourcesCall)
            let regions = try await connector.client.send(regionsCall)
            var next = state
            next.checkedCatalog = true
            var page = FetchedPage(
                payloads: [
                    RawPayload(body: sources.body, location: sourcesCall.location),
                    RawPayload(body: regions.body, location: regionsCall.location),
                ],
                cursor: CursorCoding.encode(next),
                isLast: false
            )
            for source in (try? JSONValue.parse(sources.body))?.array ?? [] {
                if let id = source["id"]?.int, connector.mapping.services[String(id)] == nil {
                    page.unmapped["service:\(id) (\(source["name"]?.string ?? "?"))", default: 0] += 1
                }
            }
            let known = Set(((try? JSONValue.parse(regions.body))?.array ?? []).compactMap { $0["country"]?.string })
            for region in options.regions where !known.isEmpty && !known.contains(region) {
                page.unmapped["region:\(region)", default: 0] += 1
            }
            return page
        }
    }

    /// The `/changes/*` endpoints over day windows; the full listing when the plan refuses them.
    struct ChangesStream: ProviderStream {
        struct State: ListingPosition, StartingState {
            var highWater: Date?
            var window: TimeWindow?
            var endpoint = 0
            var page = 1
            var offset = 0
            /// Set while the plan refuses the changes endpoints: the listing's cursor.
            var fallback: String?
            var inFallback: Bool?
        }

        let connector: WatchmodeConnector
        let options: ChangesOptions
        var name: String { "changes" }
        var cursorKind: CursorKind { .window }

        func next(after cursor: String?, window requested: TimeWindow?) async throws -> FetchedPage {
            var state = try state(after: cursor)
            if state.inFallback == true {
                return try await fallback(state)
            }
            let now = connector.now()
            let limit = requested?.to ?? now
            if state.window == nil {
                let from =
                    requested?.from ?? state.highWater ?? now.addingTimeInterval(-Double(options.lookbackDays) * 86_400)
                guard from < limit else {
                    return FetchedPage(payloads: [], cursor: CursorCoding.encode(state), isLast: true)
                }
                state.window = TimeWindow(from: from, to: limit)
            }
            let window = state.window!
            let endpoint = options.endpoints[state.endpoint]
            let call = ProviderCall(
                path: "changes/\(endpoint)",
                query: [
                    ("start_date", Self.day(window.from)), ("end_date", Self.day(window.to)),
                    ("regions", options.fallback.regions.joined(separator: ",")),
                    ("page", String(state.page)), ("limit", "250"),
                ]
            )
            let response: HTTPResponse
            let body: JSONValue
            do {
                (response, body) = try await connector.lists.read(call, stream: name, client: connector.client)
            } catch ConnectorError.forbidden {
                // The plan does not include the changes endpoints: fall back to full listings.
                var fallbackState = state
                fallbackState.inFallback = true
                var page = FetchedPage(payloads: [], cursor: CursorCoding.encode(fallbackState), isLast: false)
                page.unmapped["plan:changes endpoints refused; using the full listing"] = 1
                return page
            }
            let ids = try body.requiredArray("titles", at: call.location).compactMap {
                $0.int.map(String.init) ?? $0["id"]?.int.map(String.init)
            }
            let (chunk, position) = WatchmodeConnector.chunk(
                of: ids,
                from: state,
                size: options.fallback.detailsPerPage,
                body: body
            )
            var next = state
            var isLast = false
            if let position {
                next = position
            } else if state.endpoint + 1 < options.endpoints.count {
                next.endpoint += 1
                next.page = 1
                next.offset = 0
            } else {
                next = State(highWater: window.to)
                isLast = true
            }
            var builder = WatchmodeConnector.detailsPage(
                listing: response,
                call: call,
                from: state,
                cursor: CursorCoding.encode(next),
                isLast: isLast
            )
            try await connector.addDetails(chunk, to: &builder)
            return builder.page
        }

        private func fallback(_ state: State) async throws -> FetchedPage {
            let listing = ListingStream(connector: connector, options: options.fallback, name: name)
            var page = try await listing.next(after: state.fallback, window: nil)
            var next = state
            next.fallback = page.cursor
            if page.isLast {
                // Try the changes endpoints again next run; the plan may have changed.
                next = State(highWater: connector.now())
            }
            page.cursor = CursorCoding.encode(next)
            page.completesPass = false
            return page
        }

        /// `YYYYMMDD`, as the changes endpoints take dates.
        static func day(_ date: Date) -> String {
            ProviderValues.utcDay(date).replacingOccurrences(of: "-", with: "")
        }
    }

    /// `/title-leaving-dates`: the titles whose offers end soon, with `expiresOn` set.
    struct LeavingStream: ListingPassStream {
        struct State: ListingPass {
            var page = 1
            var offset = 0
            var done: Bool?
        }

        let connector: WatchmodeConnector
        let options: ListingOptions
        var name: String { "leaving" }
        var cursorKind: CursorKind { .page }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            let state = try resumedState(cursor)
            let call = ProviderCall(
                path: "title-leaving-dates",
                query: [
                    ("regions", options.regions.joined(separator: ",")), ("page", String(state.page)), ("limit", "250"),
                ]
            )
            let (response, body) = try await connector.lists.read(call, stream: name, client: connector.client)
            let titles = try body.requiredArray("titles", at: call.location)
            var unmapped: [String: Int] = [:]
            var expiries: [String: [(service: String, country: String, date: String)]] = [:]
            var ids: [String] = []
            for title in titles {
                guard let id = title["id"]?.int.map(String.init),
                    let date = ProviderValues.isoDate(title["leaving_date"]?.string),
                    let sourceID = title["source_id"]?.int, let region = title["region"]?.string?.uppercased(),
                    let service = connector.mapping.service(String(sourceID), unmapped: &unmapped)
                else { continue }
                if expiries[id] == nil { ids.append(id) }
                expiries[id, default: []].append((service, region, date))
            }
            let (chunk, _, first) = chunkPage(ids, from: state, listing: (response, body), call: call)
            var builder = first
            builder.page.unmapped = unmapped
            try await connector.addDetails(chunk, to: &builder, expiries: expiries)
            return builder.page
        }
    }
}

/// A pass over a paged id listing that ends where the listing does.
protocol ListingPass: ListingPosition, PassState {
    var done: Bool? { get set }
}

/// A Watchmode stream that walks one paged id listing, fetching details a chunk at a time.
protocol ListingPassStream: ProviderStream where Connector == WatchmodeConnector, State: ListingPass {
    var options: WatchmodeConnector.ListingOptions { get }
}

extension ListingPassStream {
    /// The next chunk of the listing page's `ids` after `state`, and the page that will hold
    /// their details, positioned after them (done at the listing's end).
    func chunkPage(
        _ ids: [String],
        from state: State,
        listing: (response: HTTPResponse, body: JSONValue),
        call: ProviderCall
    ) -> (ids: [String], next: State, page: PageBuilder) {
        let (response, body) = listing
        let (chunk, position) = WatchmodeConnector.chunk(of: ids, from: state, size: options.detailsPerPage, body: body)
        var next = position ?? state
        if position == nil { next.done = true }
        let builder = WatchmodeConnector.detailsPage(
            listing: response,
            call: call,
            from: state,
            cursor: CursorCoding.encode(next),
            isLast: next.done == true
        )
        return (chunk, next, builder)
    }
}
