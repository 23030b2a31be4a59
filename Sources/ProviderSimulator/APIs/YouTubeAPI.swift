import Foundation
import MediaModel

/// YouTube Data API v3 and Atom feeds over the simulated videos.
struct YouTubeAPI {
    let world: SimulatedWorld

    func handle(_ request: SimulatedRequest) -> SimulatedResponse {
        switch request.path {
        case "/youtube/v3/channels":
            let ids = (request.query["id"] ?? "").split(separator: ",").map(String.init)
            let items = ids.filter(SimulatedWorld.channels.contains).map { id -> [String: Any] in
                [
                    "kind": "youtube#channel", "id": id,
                    "contentDetails": ["relatedPlaylists": ["uploads": "UU" + id.dropFirst(2)]],
                ]
            }
            return .json([
                "kind": "youtube#channelListResponse", "pageInfo": ["totalResults": items.count, "resultsPerPage": 5],
                "items": items,
            ])
        case "/youtube/v3/playlistItems":
            guard let playlist = request.query["playlistId"], let channel = channel(playlist: playlist) else {
                return error(
                    404,
                    "playlistNotFound",
                    "The playlist identified with the request's playlistId parameter cannot be found."
                )
            }
            let videos = world.videos.filter { $0.channel == channel }
            let size = min(50, Int(request.query["maxResults"] ?? "5") ?? 5)
            let start = Int(request.query["pageToken"]?.dropFirst("page-".count) ?? "0") ?? 0
            let page = Array(videos.dropFirst(start).prefix(size))
            var body: [String: Any] = [
                "kind": "youtube#playlistItemListResponse",
                "pageInfo": ["totalResults": videos.count, "resultsPerPage": size],
                "items": page.map {
                    [
                        "kind": "youtube#playlistItem", "id": "PLI\($0.id)",
                        "contentDetails": ["videoId": $0.id, "videoPublishedAt": iso($0.published)],
                    ]
                },
            ]
            if start + size < videos.count { body["nextPageToken"] = "page-\(start + size)" }
            return .json(body)
        case "/youtube/v3/videos":
            let ids = Set((request.query["id"] ?? "").split(separator: ",").map(String.init))
            guard ids.count <= 50 else { return error(400, "tooManyIds", "Too many ids") }
            let items = world.videos.filter { ids.contains($0.id) }.map(video)
            return .json([
                "kind": "youtube#videoListResponse",
                "pageInfo": ["totalResults": items.count, "resultsPerPage": items.count], "items": items,
            ])
        case "/youtube/v3/search":
            let words = (request.query["q"] ?? "").lowercased().split(separator: " ")
            let matches = world.videos.filter { video in words.allSatisfy { video.title.lowercased().contains($0) } }
                .prefix(50)
            return .json([
                "kind": "youtube#searchListResponse", "regionCode": "US",
                "pageInfo": ["totalResults": matches.count, "resultsPerPage": 50],
                "items": matches.map {
                    ["kind": "youtube#searchResult", "id": ["kind": "youtube#video", "videoId": $0.id]]
                },
            ])
        case "/feeds/videos.xml":
            let channel =
                request.query["channel_id"].flatMap { SimulatedWorld.channels.firstIndex(of: $0) }
                ?? request.query["playlist_id"].flatMap(self.channel(playlist:))
            guard let channel else { return SimulatedResponse(status: 404, body: Data("Not Found".utf8)) }
            return SimulatedResponse(
                headers: ["Content-Type": "application/atom+xml; charset=UTF-8"],
                body: feed(channel)
            )
        default:
            return error(404, "notFound", "Not Found")
        }
    }

    func channel(playlist: String) -> Int? {
        SimulatedWorld.channels.firstIndex { "UU" + $0.dropFirst(2) == playlist }
    }

    func iso(_ date: Date) -> String { date.formatted(.iso8601) }

    func video(_ video: SimulatedWorld.Video) -> [String: Any] {
        [
            "kind": "youtube#video", "id": video.id,
            "snippet": [
                "publishedAt": iso(video.published), "channelId": SimulatedWorld.channels[video.channel],
                "title": video.title,
                "description": video.description, "channelTitle": "Simulated channel \(video.channel + 1)",
                "defaultAudioLanguage": "en",
                "thumbnails": [
                    "high": ["url": "https://i.ytimg.com/vi/\(video.id)/hqdefault.jpg", "width": 480, "height": 360]
                ],
            ],
            "contentDetails": ["duration": "PT\(video.seconds / 60)M\(video.seconds % 60)S", "definition": "hd"],
            "statistics": ["viewCount": String(video.views), "likeCount": String(video.views / 20)],
        ]
    }

    func feed(_ channel: Int) -> Data {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        let id = SimulatedWorld.channels[channel]
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">
             <id>yt:channel:\(id.dropFirst(2))</id>
             <yt:channelId>\(id.dropFirst(2))</yt:channelId>
             <title>Simulated channel \(channel + 1)</title>

            """
        for video in world.videos.filter({ $0.channel == channel }).prefix(15) {
            xml += """
                 <entry>
                  <id>yt:video:\(video.id)</id>
                  <yt:videoId>\(video.id)</yt:videoId>
                  <yt:channelId>\(id)</yt:channelId>
                  <title>\(escape(video.title))</title>
                  <link rel="alternate" href="https://www.youtube.com/watch?v=\(video.id)"/>
                  <published>\(iso(video.published))</published>
                  <updated>\(iso(video.published.addingTimeInterval(3600)))</updated>
                  <media:group>
                   <media:title>\(escape(video.title))</media:title>
                   <media:thumbnail url="https://i1.ytimg.com/vi/\(video.id)/hqdefault.jpg" width="480" height="360"/>
                   <media:description>\(escape(video.description))</media:description>
                   <media:community><media:statistics views="\(video.views)"/></media:community>
                  </media:group>
                 </entry>

                """
        }
        return Data((xml + "</feed>\n").utf8)
    }

    func error(_ code: Int, _ reason: String, _ message: String) -> SimulatedResponse {
        .json(
            [
                "error": [
                    "code": code, "message": message,
                    "errors": [["message": message, "domain": "youtube.api", "reason": reason]],
                ]
            ],
            status: code
        )
    }
}
