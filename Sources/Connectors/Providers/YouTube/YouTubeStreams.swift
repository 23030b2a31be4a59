import Foundation
import HTTPClient
import MediaModel

#if canImport(FoundationXML)
    import FoundationXML
#endif

// The YouTube ingest streams: what each fetches, page by page, and where it resumes.
extension YouTubeConnector {
    struct UploadsStream: ProviderStream {
        struct State: PassState {
            var target = 0
            var playlist: String?
            var pageToken: String?
            var done: Bool?
        }

        let connector: YouTubeConnector
        var name: String { "uploads" }
        var cursorKind: CursorKind { .opaque }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            var state = try resumedState(cursor) { $0.target >= connector.targets.count }
            guard !connector.targets.isEmpty else {
                return FetchedPage(payloads: [], cursor: CursorCoding.encode(State(done: true)), isLast: true)
            }
            let target = connector.targets[state.target]
            guard let playlist = state.playlist else {
                switch target.reference {
                case .playlist(let id):
                    state.playlist = id
                    return FetchedPage(payloads: [], cursor: CursorCoding.encode(state), isLast: false)
                case .channel(let channel):
                    let call = connector.call(
                        "channels.list",
                        "channels",
                        [("part", "contentDetails"), ("id", channel)]
                    )
                    let response = try await connector.client.send(call)
                    let body = try JSONValue.page(response.body, location: call.location)
                    guard let uploads = body["items"]?[0]?["contentDetails"]?["relatedPlaylists"]?["uploads"]?.string
                    else {
                        throw ConnectorError.failed(
                            provider: provider,
                            message: "channel \(channel) not found or has no uploads playlist"
                        )
                    }
                    state.playlist = uploads
                    return FetchedPage(
                        payloads: [RawPayload(body: response.body, location: call.location)],
                        cursor: CursorCoding.encode(state),
                        isLast: false
                    )
                }
            }
            var query = [("part", "contentDetails"), ("playlistId", playlist), ("maxResults", "50")]
            if let token = state.pageToken { query.append(("pageToken", token)) }
            let call = connector.call("playlistItems.list", "playlistItems", query)
            let response = try await connector.client.send(call)
            let body = try JSONValue.page(response.body, location: call.location)
            let ids = (body["items"]?.array ?? []).compactMap {
                $0["contentDetails"]?["videoId"]?.string ?? $0["snippet"]?["resourceId"]?["videoId"]?.string
            }
            var next = state
            if let token = body["nextPageToken"]?.string {
                next.pageToken = token
            } else if state.target + 1 < connector.targets.count {
                next = State(target: state.target + 1)
            } else {
                next = State(done: true)
            }
            var builder = page(response, at: call.location, next: next, isLast: next.done == true)
            try await connector.addVideos(ids, kind: target.kind, to: &builder)
            return builder.page
        }
    }

    struct SearchStream: ProviderStream {
        struct State: PassState {
            var query = 0
            var page = 0
            var pageToken: String?
            var done: Bool?
        }

        let connector: YouTubeConnector
        var name: String { "search" }
        var cursorKind: CursorKind { .opaque }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            let state = try resumedState(cursor) { $0.query >= connector.searchQueries.count }
            guard !connector.searchQueries.isEmpty else {
                return FetchedPage(payloads: [], cursor: CursorCoding.encode(State(done: true)), isLast: true)
            }
            var query = [
                ("part", "snippet"), ("type", "video"), ("q", connector.searchQueries[state.query]),
                ("maxResults", "50"),
            ]
            if let token = state.pageToken { query.append(("pageToken", token)) }
            let call = connector.call("search.list", "search", query)
            let response = try await connector.client.send(call)
            let body = try JSONValue.page(response.body, location: call.location)
            let ids = (body["items"]?.array ?? []).compactMap { $0["id"]?["videoId"]?.string }
            var next = state
            if let token = body["nextPageToken"]?.string, state.page + 1 < connector.searchPages {
                next.page += 1
                next.pageToken = token
            } else if state.query + 1 < connector.searchQueries.count {
                next = State(query: state.query + 1)
            } else {
                next = State(done: true)
            }
            var builder = page(response, at: call.location, next: next, isLast: next.done == true)
            try await connector.addVideos(ids, kind: .video, to: &builder)
            return builder.page
        }
    }

    /// The Atom feeds, one feed a page; the cursor keeps each feed's newest `updated` time.
    struct FeedStream: ProviderStream {
        struct State: StartingState {
            var target = 0
            var newest: [String: String] = [:]
        }

        let connector: YouTubeConnector
        var name: String { "feeds" }
        var cursorKind: CursorKind { .feed }

        func next(after cursor: String?, window: TimeWindow?) async throws -> FetchedPage {
            var state = try state(after: cursor)
            if state.target >= connector.targets.count { state.target = 0 }
            guard !connector.targets.isEmpty else {
                return FetchedPage(payloads: [], cursor: CursorCoding.encode(state), isLast: true)
            }
            let target = connector.targets[state.target]
            let parameter: (String, String)
            switch target.reference {
            case .channel(let id): parameter = ("channel_id", id)
            case .playlist(let id): parameter = ("playlist_id", id)
            }
            let call = ProviderCall(path: "feeds/videos.xml", query: [parameter], units: 0)
            let response = try await connector.feedClient.send(call)
            let key = "\(parameter.0)=\(parameter.1)"
            var next = state
            next.target = state.target + 1
            let isLast = next.target >= connector.targets.count
            if isLast { next.target = 0 }
            var builder = PageBuilder(
                payloads: [
                    RawPayload(body: response.body, location: call.location, contentType: "application/atom+xml")
                ],
                cursor: "",
                isLast: isLast
            )
            builder.page.merge = .fillMissingFields
            do {
                let parsed = try connector.records(feed: response.body, kind: target.kind, newerThan: state.newest[key])
                let callLocation = call.location
                for (record, location) in parsed.records {
                    builder.add(record, location: "\(callLocation) · \(location)", excerpt: record.title)
                }
                next.newest[key] = parsed.newest
            } catch {
                throw ConnectorError.unreadablePage(location: call.location, reason: "\(error)")
            }
            builder.page.cursor = CursorCoding.encode(next)
            return builder.page
        }
    }
}
