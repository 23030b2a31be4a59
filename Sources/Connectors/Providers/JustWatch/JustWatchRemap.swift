import Foundation
import HTTPClient
import Logging
import MediaModel

// Re-deriving JustWatch records from archived payloads, with the current mapping (`mediagw reprocess`).
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
        add(edges, at: location, country: country, mapping: mapping, to: &builder)
        return builder.page
    }
}
