import Connectors
import Foundation
import MediaModel
import Staging

extension FetchedPage {
    /// The page in staging's terms. A page without payloads (a step that only moves the cursor)
    /// archives an empty marker so that its cursor still commits in a transaction.
    func staged(source: String, cursor: StagedPage.Cursor?) -> StagedPage {
        let first =
            payloads.first
            ?? RawPayload(body: Data(), location: "cursor:\(cursor?.stream ?? source)", contentType: "text/plain")
        var staged = StagedPage(
            source: source,
            raw: first.body,
            rawLocation: first.location,
            contentType: first.contentType,
            items: items,
            rejections: rejections,
            cursor: cursor
        )
        staged.attachments = payloads.dropFirst().map {
            .init(raw: $0.body, location: $0.location, contentType: $0.contentType)
        }
        staged.merge = merge
        return staged
    }
}
