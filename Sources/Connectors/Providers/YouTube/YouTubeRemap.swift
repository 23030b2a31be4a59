import Foundation
import HTTPClient
import Logging
import MediaModel

#if canImport(FoundationXML)
    import FoundationXML
#endif

// Re-deriving YouTube records from archived payloads, with the current mapping (`mediagw reprocess`).
extension YouTubeConnector {
    /// The kind configured for a channel or playlist (`video` when not configured).
    func kind(channel: String?, playlist: String?) -> TitleKind {
        for target in targets {
            switch target.reference {
            case .channel(let id) where id == channel: return target.kind
            case .playlist(let id) where id == playlist: return target.kind
            default: continue
            }
        }
        return .video
    }

    func remap(_ body: Data, _ location: String) throws -> FetchedPage? {
        let call = CallLocation(location)
        var builder = PageBuilder(payloads: [], cursor: "", isLast: true)
        if call.path == "/videos" {
            let page = try JSONValue.page(body, location: location)
            builder.addEach(page["items"]?.array ?? [], location: { "\(location) · items[\($0)]" }) { video, _ in
                let channel = video["snippet"]?["channelId"]?.string
                return [try record(video: video, kind: kind(channel: channel, playlist: nil))]
            }
        } else if call.path.hasSuffix("/feeds/videos.xml") {
            builder.page.merge = .fillMissingFields
            let kind = kind(channel: call.query["channel_id"], playlist: call.query["playlist_id"])
            for (record, position) in try records(feed: body, kind: kind, newerThan: nil).records {
                builder.add(record, location: "\(location) · \(position)", excerpt: record.title)
            }
        } else {
            return nil
        }
        return builder.page
    }
}
