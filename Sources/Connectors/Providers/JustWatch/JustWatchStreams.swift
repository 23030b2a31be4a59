import Foundation
import HTTPClient
import MediaModel

// The JustWatch ingest streams: what each fetches, page by page, and where it resumes.
extension JustWatchConnector {
    /// Popular titles per country, offset paged, slices split by year past the offset ceiling.
    struct PopularStream: ProviderStream {
        struct Slice: Codable, Equatable {
            var firstYear: Int
            var lastYear: Int
        }

        struct State: PassState {
            var country = 0
            var slices: [Slice] = []
            var offset = 0
            var done: Bool?
        }

        let connector: JustWatchConnector
        let options: PopularOptions
        var name: String { "popular" }
        var cursorKind: CursorKind { .page }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            var state = try resumedState(cursor) { $0.country >= options.countries.count }
            if state.slices.isEmpty {
                state.slices = [Slice(firstYear: options.years.lowerBound, lastYear: options.years.upperBound)]
            }
            let country = options.countries[state.country]
            let slice = state.slices[0]
            var filter: JSONObject = [
                "releaseYear": .object([
                    "min": .number(String(slice.firstYear)), "max": .number(String(slice.lastYear)),
                ])
            ]
            if !options.packages.isEmpty {
                filter.members.append(("packages", .array(options.packages.map(JSONValue.string))))
            }
            let location =
                "POST graphql GetPopularTitles?country=\(country)&years=\(slice.firstYear)-\(slice.lastYear)&offset=\(state.offset)"
            let (response, body) = try await connector.query(
                "GetPopularTitles",
                JustWatchConnector.popularQuery,
                variables: [
                    "country": .string(country), "language": .string(connector.language),
                    "first": .number(String(options.pageSize)), "offset": .number(String(state.offset)),
                    "filter": .object(filter),
                ],
                location: location
            )
            guard let edges = body["data"]?["popularTitles"]?["edges"]?.array else {
                throw ConnectorError.unreadablePage(location: location, reason: "no data.popularTitles.edges")
            }
            var next = state
            var unmapped: [String: Int] = [:]
            let full = edges.count >= options.pageSize
            // A slice whose `totalCount` exceeds the ceiling is split at its first page, before
            // paging through titles its halves would read again; at the ceiling itself the
            // provider returns a short or empty page although more titles exist.
            let total = body["data"]?["popularTitles"]?["totalCount"]?.int
            let tooLarge = state.offset == 0 && (total ?? 0) > options.offsetCeiling && slice.firstYear < slice.lastYear
            if tooLarge || (!edges.isEmpty && state.offset + edges.count >= options.offsetCeiling) {
                // The listing goes on past what offsets can reach: split the slice by years.
                if slice.firstYear < slice.lastYear {
                    let middle = (slice.firstYear + slice.lastYear) / 2
                    next.slices =
                        [
                            Slice(firstYear: slice.firstYear, lastYear: middle),
                            Slice(firstYear: middle + 1, lastYear: slice.lastYear),
                        ] + state.slices.dropFirst()
                    next.offset = 0
                } else {
                    unmapped["ceiling:\(country) \(slice.firstYear) has more titles than offsets reach"] = 1
                    advance(&next)
                }
            } else if full {
                next.offset += options.pageSize
            } else {
                advance(&next)
            }
            var builder = page(response, at: location, next: next, isLast: next.done == true)
            builder.page.progress =
                next.done == true ? 1 : Double(next.country) / Double(max(options.countries.count, 1))
            builder.page.unmapped = unmapped
            JustWatchConnector.add(edges, at: location, country: country, mapping: connector.mapping, to: &builder)
            return builder.page
        }

        private func advance(_ state: inout State) {
            state.slices.removeFirst()
            state.offset = 0
            if state.slices.isEmpty {
                if state.country + 1 < options.countries.count {
                    state = State(country: state.country + 1)
                } else {
                    state.done = true
                }
            }
        }
    }

    /// New titles per country and day, `after`-cursor paged, from the high-water day to today.
    struct NewTitlesStream: ProviderStream {
        struct State: StartingState {
            /// Days before this one are staged.
            var day: String?
            var country = 0
            var after: String?
        }

        let connector: JustWatchConnector
        let options: NewOptions
        var name: String { "new" }
        var cursorKind: CursorKind { .opaque }
        var supportsWindows: Bool { true }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            let calendar = Self.calendar
            let today =
                window.map { Self.format(calendar.date(byAdding: .second, value: -1, to: $0.to)!) }
                ?? Self.format(connector.now())
            var state = try state(after: cursor)
            if state.day == nil {
                let start =
                    window?.from ?? calendar.date(byAdding: .day, value: -options.lookbackDays, to: connector.now())!
                state.day = Self.format(start)
            }
            let day = state.day!
            guard day <= today else {
                return FetchedPage(payloads: [], cursor: CursorCoding.encode(State(day: today)), isLast: true)
            }
            let country = options.countries[state.country]
            var variables: JSONObject = [
                "country": .string(country), "language": .string(connector.language), "date": .string(day),
                "first": .number(String(options.pageSize)),
            ]
            if let after = state.after { variables.members.append(("after", .string(after))) }
            let location = "POST graphql GetNewTitles?country=\(country)&date=\(day)&after=\(state.after ?? "")"
            let (response, body) = try await connector.query(
                "GetNewTitles",
                JustWatchConnector.newTitlesQuery,
                variables: variables,
                location: location
            )
            guard let connection = body["data"]?["newTitles"], let edges = connection["edges"]?.array else {
                throw ConnectorError.unreadablePage(location: location, reason: "no data.newTitles.edges")
            }
            var next = state
            var isLast = false
            if connection["pageInfo"]?["hasNextPage"]?.bool == true,
                let end = connection["pageInfo"]?["endCursor"]?.string
            {
                next.after = end
            } else if state.country + 1 < options.countries.count {
                next.country += 1
                next.after = nil
            } else if day < today {
                next = State(day: Self.format(calendar.date(byAdding: .day, value: 1, to: Self.parse(day)!)!))
            } else {
                // Today is not over: the next run reads it again (what it has seen comes back unchanged).
                next = State(day: day)
                isLast = true
            }
            var builder = page(response, at: location, next: next, isLast: isLast)
            JustWatchConnector.add(edges, at: location, country: country, mapping: connector.mapping, to: &builder)
            return builder.page
        }

        static let calendar: Calendar = {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            return calendar
        }()

        static func format(_ date: Date) -> String {
            ProviderValues.utcDay(date)
        }

        static func parse(_ day: String) -> Date? {
            let parts = day.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3 else { return nil }
            return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
        }
    }
}
