import Foundation
import HTTPClient
import MediaModel

// The StreamingAvailability ingest streams: what each fetches, page by page, and where it resumes.
extension StreamingAvailabilityConnector {
    /// `/shows/search/filters`, country by country, following `nextCursor`.
    struct CatalogStream: ProviderStream {
        struct State: PassState {
            var country = 0
            var cursor: String?
            var done: Bool?
        }

        let connector: StreamingAvailabilityConnector
        let options: CatalogOptions
        var name: String { "catalog" }
        var cursorKind: CursorKind { .opaque }
        var isFullListing: Bool { true }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            let state = try resumedState(cursor) { $0.country >= options.countries.count }
            let country = options.countries[state.country]
            var query = [("country", country), ("series_granularity", "show"), ("output_language", "en")]
            if !options.catalogs.isEmpty { query.append(("catalogs", options.catalogs.joined(separator: ","))) }
            if let showType = options.showType { query.append(("show_type", showType)) }
            if let token = state.cursor { query.append(("cursor", token)) }
            let call = ProviderCall(path: "shows/search/filters", query: query)
            let response: HTTPResponse
            do {
                response = try await connector.client.send(call)
            } catch ConnectorError.expiredCursor where state.cursor != nil {
                // The provider no longer knows the cursor: list this country again from the start.
                // Records already staged come back unchanged, so nothing is counted twice.
                return FetchedPage(
                    payloads: [],
                    cursor: CursorCoding.encode(State(country: state.country)),
                    isLast: false
                )
            }
            let body = try JSONValue.page(response.body, location: call.location)
            let shows = try body.requiredArray("shows", at: call.location)
            var next = State(country: state.country)
            if body["hasMore"]?.bool == true, let token = body["nextCursor"]?.string {
                next.cursor = token
            } else if state.country + 1 < options.countries.count {
                next.country = state.country + 1
            } else {
                next.done = true
            }
            var builder = page(response, at: call.location, next: next, isLast: next.done == true)
            builder.page.completesPass = next.done == true
            builder.page.progress =
                next.done == true ? 1 : Double(next.country) / Double(max(options.countries.count, 1))
            let location = call.location
            builder.addEach(shows, location: { "\(location) · shows[\($0)]" }) { show, unmapped in
                try StreamingAvailabilityConnector.records(
                    show: show,
                    country: country,
                    mapping: connector.mapping,
                    unmapped: &unmapped
                )
            }
            return builder.page
        }
    }

    /// `/changes` over time windows: every country and change type per window, cursor paged.
    struct ChangesStream: ProviderStream {
        struct State: StartingState {
            /// Changes up to here are staged (the scheduled high-water mark).
            var highWater: Date?
            var window: TimeWindow?
            var country = 0
            var changeType = 0
            var cursor: String?
            /// The end of the current cycle.
            var until: Date?
        }

        let connector: StreamingAvailabilityConnector
        let options: ChangesOptions
        var name: String { "changes" }
        var cursorKind: CursorKind { .window }

        func next(after cursor: String?, window requested: TimeWindow?) async throws -> FetchedPage {
            var state = try state(after: cursor)
            // A cycle runs up to the time it started (or the backfill's end), then rests.
            // Whole seconds, as the API takes them, rounded up so nothing before now is cut off.
            let until =
                state.until ?? requested?.to
                ?? Date(timeIntervalSince1970: connector.now().timeIntervalSince1970.rounded(.up))
            state.until = until
            if state.window == nil {
                let from = requested?.from ?? state.highWater ?? until.addingTimeInterval(-options.lookback)
                guard from < until else {
                    return FetchedPage(
                        payloads: [],
                        cursor: CursorCoding.encode(State(highWater: state.highWater)),
                        isLast: true
                    )
                }
                state.window = TimeWindow(from: from, to: min(until, from.addingTimeInterval(options.windowLength)))
                state.country = 0
                state.changeType = 0
                state.cursor = nil
            }
            let window = state.window!
            let country = options.countries[state.country]
            var query = [
                ("change_type", options.changeTypes[state.changeType]), ("item_type", "show"), ("country", country),
                ("from", String(Int(window.from.timeIntervalSince1970))),
                ("to", String(Int(window.to.timeIntervalSince1970))), ("output_language", "en"),
            ]
            if !options.catalogs.isEmpty { query.append(("catalogs", options.catalogs.joined(separator: ","))) }
            if let token = state.cursor { query.append(("cursor", token)) }
            let call = ProviderCall(path: "changes", query: query)
            let response = try await connector.client.send(call)
            let body = try JSONValue.page(response.body, location: call.location)
            _ = try body.requiredArray("changes", at: call.location)
            var next = state
            var isLast = false
            if body["hasMore"]?.bool == true, let token = body["nextCursor"]?.string {
                next.cursor = token
            } else if state.changeType + 1 < options.changeTypes.count {
                next.changeType += 1
                next.cursor = nil
            } else if state.country + 1 < options.countries.count {
                next.country += 1
                next.changeType = 0
                next.cursor = nil
            } else if window.to < until {
                next = State(highWater: window.to, until: until)
            } else {
                next = State(highWater: window.to)
                isLast = true
            }
            var builder = page(response, at: call.location, next: next, isLast: isLast)
            let shows = (body["shows"]?.object?.members ?? []).sorted { $0.key < $1.key }
            let location = call.location
            builder.addEach(shows.map(\.value), location: { "\(location) · shows[\(shows[$0].key)]" }) {
                show,
                unmapped in
                try StreamingAvailabilityConnector.records(
                    show: show,
                    country: country,
                    mapping: connector.mapping,
                    unmapped: &unmapped
                )
            }
            return builder.page
        }
    }
}
