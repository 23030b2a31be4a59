import Foundation
import HTTPClient
import MediaModel

/// JustWatch's GraphQL API (`POST apis.justwatch.com/graphql`, unofficial, no key; be polite).
///
/// Streams: `popular` — `popularTitles` per country with `first`/`offset` paging; the API
/// returns nothing past an offset ceiling (about 2,000), so a slice that reaches it is split by
/// release-year range until every slice fits; `new` — `newTitles` per country and day with
/// `after` cursors, the incremental stream. GraphQL `errors[]` in a 200 response are errors.
public struct JustWatchConnector: ProviderConnector {
    public static let provider = "justwatch"
    static let streamNames = ["popular", "new"]

    let context: ConnectorContext
    let popular: PopularOptions?
    let newTitles: NewOptions?
    let language: String

    struct PopularOptions: Sendable {
        var countries: [String]
        var packages: [String]
        var pageSize: Int
        var offsetCeiling: Int
        var years: ClosedRange<Int>
    }

    struct NewOptions: Sendable {
        var countries: [String]
        var pageSize: Int
        var lookbackDays: Int
    }

    init(context: ConnectorContext, configuration: ConnectorConfiguration) throws {
        self.context = context
        language = "en"
        let popularKeys = ["countries", "packages", "page_size", "offset_ceiling", "first_year"]
        if let options = try configuration.stream("popular", allowed: popularKeys) {
            let thisYear = Calendar(identifier: .gregorian).component(.year, from: context.now())
            popular = PopularOptions(
                countries: try options["countries"]?.strings().map { $0.uppercased() } ?? ["US"],
                packages: try options["packages"]?.strings() ?? [],
                pageSize: try options["page_size"]?.int(in: 1...100) ?? 40,
                offsetCeiling: try options["offset_ceiling"]?.int(in: 1...100_000) ?? 1900,
                years: (try options["first_year"]?.int(in: 1870...thisYear) ?? 1900)...(thisYear + 1)
            )
        } else {
            popular = nil
        }
        if let options = try configuration.stream("new", allowed: ["countries", "page_size", "lookback_days"]) {
            newTitles = NewOptions(
                countries: try options["countries"]?.strings().map { $0.uppercased() } ?? ["US"],
                pageSize: try options["page_size"]?.int(in: 1...100) ?? 40,
                lookbackDays: try options["lookback_days"]?.int(in: 0...60) ?? 1
            )
        } else {
            newTitles = nil
        }
    }

    public var streams: [any IngestStream] {
        var streams: [any IngestStream] = []
        if let popular { streams.append(PopularStream(connector: self, options: popular)) }
        if let newTitles { streams.append(NewTitlesStream(connector: self, options: newTitles)) }
        return streams
    }

    /// JustWatch answers GraphQL errors with status 200 and an `errors` array.
    @Sendable static func verdict(_ response: HTTPResponse) -> Verdict {
        let standard = ProviderClient.standardVerdict(response)
        guard standard == .success, response.body.containsBytes(Data("\"errors\"".utf8)),
            let errors = (try? JSONValue.parse(response.body))?["errors"]?.array, !errors.isEmpty
        else { return standard }
        let message = errors.compactMap { $0["message"]?.string }.joined(separator: "; ")
        if message.localizedCaseInsensitiveContains("rate limit") || message.localizedCaseInsensitiveContains("timeout")
        {
            return .retry(after: nil, reason: "GraphQL: \(message)")
        }
        return .failure("GraphQL errors: \(message)")
    }

    static let titleFields = """
        id objectId objectType
        content(country: $country, language: $language) {
          title originalTitle originalReleaseYear originalReleaseDate runtime shortDescription posterUrl
          genres { shortName translation(language: $language) }
          externalIds { imdbId tmdbId }
          scoring { imdbScore imdbVotes tmdbScore }
          credits { role name }
        }
        offers(country: $country, platform: WEB) {
          monetizationType presentationType retailPriceValue currency standardWebURL availableTo dateCreated
          package { packageId shortName clearName }
        }
        """

    static let popularQuery = """
        query GetPopularTitles($country: Country!, $language: Language!, $first: Int!, $offset: Int, $filter: TitleFilter) {
          popularTitles(country: $country, first: $first, offset: $offset, filter: $filter, sortBy: POPULAR, sortRandomSeed: 0) {
            totalCount
            edges { node { \(titleFields) } }
          }
        }
        """

    static let newTitlesQuery = """
        query GetNewTitles($country: Country!, $language: Language!, $date: Date!, $first: Int!, $after: String) {
          newTitles(country: $country, date: $date, first: $first, after: $after, pageType: NEW, filter: {}) {
            totalCount
            pageInfo { endCursor hasNextPage }
            edges { cursor node { \(titleFields) } }
          }
        }
        """

    /// Posts one GraphQL operation; `location` names it in the archive and in errors.
    func query(_ operation: String, _ text: String, variables: JSONObject, location: String) async throws
        -> (HTTPResponse, JSONValue)
    {
        let payload: JSONValue = .object([
            "operationName": .string(operation), "query": .string(text), "variables": .object(variables),
        ])
        let body = Data(payload.serialized.utf8)
        let call = ProviderCall(method: "POST", path: "", headers: ["Content-Type": "application/json"], body: body)
        let response = try await client.send(call)
        return (response, try JSONValue.page(response.body, location: location))
    }
}
