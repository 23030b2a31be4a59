import Foundation
import HTTPClient
import Logging
import MediaModel

// Re-deriving StreamingAvailability records from archived payloads, with the current mapping (`mediagw reprocess`).
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
