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
