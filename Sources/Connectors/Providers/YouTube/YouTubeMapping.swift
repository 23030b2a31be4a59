import Foundation
import HTTPClient
import MediaModel

#if canImport(FoundationXML)
    import FoundationXML
#endif

// How YouTube payloads become source records.
extension YouTubeConnector {
    func record(video: JSONValue, kind: TitleKind) throws -> SourceRecord {
        let id = try video.require("id")
        guard let snippet = video["snippet"] else { throw MappingError("missing field 'snippet'") }
        var record = SourceRecord(source: Self.provider, id: id, kind: kind, title: try snippet.require("title"))
        record.overview = snippet["description"]?.string
        record.releaseDate = ProviderValues.isoDate(snippet["publishedAt"]?.string)
        record.year = ProviderValues.year(snippet["publishedAt"]?.string)
        record.runtimeMinutes = video["contentDetails"]?["duration"]?.string.flatMap {
            ProviderValues.minutes(iso8601Duration: $0)
        }
        if let language = (snippet["defaultAudioLanguage"]?.string ?? snippet["defaultLanguage"]?.string)?.prefix(2) {
            record.languages = [String(language)]
        }
        record.images = Self.images(videoID: id)
        let restriction = video["contentDetails"]?["regionRestriction"]
        let allowed = restriction?["allowed"]?.strings.map(Set.init)
        let blocked = Set(restriction?["blocked"]?.strings ?? [])
        record.offers = offers(videoID: id) { country in
            (allowed?.contains(country) ?? true) && !blocked.contains(country)
        }
        return record
    }

    static func images(videoID: String) -> [Image] {
        [Image(kind: "thumbnail", url: "https://i.ytimg.com/vi/\(videoID)/hqdefault.jpg", width: 480, height: 360)]
    }

    func offers(videoID: String, where available: (String) -> Bool = { _ in true }) -> [Offer]? {
        let offers = offerCountries.filter(available).map { country in
            Offer(
                country: country,
                service: "youtube",
                monetization: .free,
                webURL: "https://www.youtube.com/watch?v=\(videoID)",
                deepLink: "vnd.youtube:\(videoID)"
            )
        }
        return offers.isEmpty ? nil : offers
    }

    /// Records from an Atom feed: the fields a feed has; the rest keeps its staged values.
    func records(feed: Data, kind: TitleKind, newerThan: String?) throws -> (
        records: [(SourceRecord, String)], newest: String?
    ) {
        let document = try XMLDocument(data: feed, options: [])
        guard let root = document.rootElement(), root.localName == "feed" else {
            throw MappingError("not an Atom feed")
        }
        var records: [(SourceRecord, String)] = []
        var newest = newerThan
        for (index, entry) in root.children(named: "entry").enumerated() {
            guard let id = entry.child(named: "videoId")?.stringValue, !id.isEmpty,
                let title = entry.child(named: "title")?.stringValue
            else { continue }
            let updated =
                entry.child(named: "updated")?.stringValue ?? entry.child(named: "published")?.stringValue ?? ""
            if let newerThan, updated <= newerThan { continue }
            if updated > (newest ?? "") { newest = updated }
            var record = SourceRecord(source: Self.provider, id: id, kind: kind, title: title)
            let published = entry.child(named: "published")?.stringValue
            record.releaseDate = ProviderValues.isoDate(published)
            record.year = ProviderValues.year(published)
            let description = entry.child(named: "group")?.child(named: "description")?.stringValue
            record.overview = description?.isEmpty == false ? description : nil
            record.images = Self.images(videoID: id)
            record.offers = offers(videoID: id)
            records.append((record, "entry[\(index)]"))
        }
        return (records, newest)
    }
}
