import Foundation
import HTTPClient
import Logging
import MediaModel

// Re-deriving Watchmode records from archived payloads, with the current mapping (`mediagw reprocess`).
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
