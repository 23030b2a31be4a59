import Foundation

extension ProviderSimulator {
    /// Writes the connector files of ``connectorFiles(base:)`` into `directory`.
    public static func writeConnectorFiles(to directory: String, base: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in connectorFiles(base: base) {
            try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: "\(directory)/\(name).yml"))
        }
    }

    /// Connector files (by provider) for a simulator at `base`, every stream enabled; keys come
    /// from the variables the real files name.
    public static func connectorFiles(base: String) -> [String: String] {
        [
            "streaming-availability": """
            provider: streaming-availability
            base_url: \(base)/v4
            auth: {scheme: header, header: X-API-Key, keys: [{env: STREAMING_AVAILABILITY_API_KEY}]}
            rate_limit: {requests_per_second: 500, burst: 500}
            retries: {max_attempts: 5, base_delay_ms: 20, max_delay_s: 2}
            streams:
              catalog: {countries: [us, gb]}
              changes: {countries: [us, gb], change_types: [new, updated], lookback_hours: 744}
            services: {netflix: netflix, prime: prime-video, disney: disney-plus, hbo: max, hulu: hulu, apple: apple-tv-store, tubi: tubi}
            genres: {scifi: science-fiction}
            """,
            "watchmode": """
            provider: watchmode
            base_url: \(base)/v1
            auth: {scheme: query, parameter: apiKey, keys: [{env: WATCHMODE_API_KEY}]}
            rate_limit: {requests_per_second: 500, burst: 500}
            retries: {max_attempts: 5, base_delay_ms: 20, max_delay_s: 2}
            streams:
              listing: {regions: [US, GB], details_per_page: 25}
              changes: {lookback_days: 60}
              leaving: {regions: [US, GB]}
            services: {"203": netflix, "26": prime-video, "372": disney-plus, "387": max, "157": hulu, "349": apple-tv-store, "73": tubi}
            genres: {"1": action, "2": adventure, "3": animation, "4": comedy, "5": crime, "6": documentary, "7": drama, "8": family, "9": fantasy, "10": history, "11": horror, "12": music, "13": mystery, "14": romance, "15": science-fiction, "17": thriller, "18": war, "19": western, "21": kids, "22": news, "23": reality, "25": talk, "26": sport, "27": biography, "28": musical}
            """,
            "justwatch": """
            provider: justwatch
            base_url: \(base)/graphql
            rate_limit: {requests_per_second: 500, burst: 500}
            retries: {max_attempts: 5, base_delay_ms: 20, max_delay_s: 2}
            streams:
              popular: {countries: [US, GB], page_size: 40}
              new: {countries: [US, GB], lookback_days: 60}
            services: {nfx: netflix, amp: prime-video, dnp: disney-plus, mxx: max, hlu: hulu, itu: apple-tv-store, tbv: tubi}
            genres: {act: action, ani: animation, cmy: comedy, crm: crime, doc: documentary, drm: drama, fnt: fantasy, hst: history, hrr: horror, fml: family, msc: music, trl: thriller, rma: romance, scf: science-fiction, spt: sport, war: war, wsn: western, rly: reality}
            """,
            "youtube": """
            provider: youtube
            base_url: \(base)/youtube/v3
            auth: {scheme: query, parameter: key, keys: [{env: YOUTUBE_API_KEY}]}
            rate_limit: {requests_per_second: 500, burst: 500}
            retries: {max_attempts: 5, base_delay_ms: 20, max_delay_s: 2}
            quota: {daily_units: 10000, reset_time_zone: America/Los_Angeles}
            streams:
              uploads: {channels: [UCsimulatedFilmsChannel001, UCsimulatedTrailers000002, UCsimulatedShortsChan0003]}
              feeds: {channels: [UCsimulatedFilmsChannel001, UCsimulatedTrailers000002, UCsimulatedShortsChan0003], feeds_url: "\(base)"}
            """,
        ]
    }
}
