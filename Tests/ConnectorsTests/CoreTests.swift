import Foundation
import HTTPClient
import Logging
import MediaModel
import TestSupport
import Synchronization
import Testing

@testable import Connectors

@Suite struct JSONValueTests {
    @Test func parsesTheWholeGrammarAndKeepsNumberText() throws {
        let value = try JSONValue.parse(
            Data(
                #"{"a":[1,-2.50,3e2,true,false,null],"s":"caf\u00e9 \ud83c\udfac \"q\" \/","n":{"x":{}} , "e":[]}"#.utf8
            )
        )
        #expect(value["a"]?[1] == .number("-2.50"), "numbers keep their text: prices never pass through Double")
        #expect(value["a"]?[2]?.double == 300)
        #expect(value["a"]?[0]?.int == 1)
        #expect(value["s"]?.string == "café 🎬 \"q\" /")
        #expect(value["n"]?["x"]?.object?.isEmpty == true)
        #expect(value["e"]?.array?.isEmpty == true)
        #expect(value["missing"] == nil)
    }

    @Test(arguments: [
        (#"{"a":1"#, "end of input"), (#"{"a" 1}"#, "':'"), ("[1,]", "unexpected character"), (#""\x""#, "escape"),
        ("tru", "end of input"), ("[1] 2", "after the document"), (#""\ud800""#, "surrogate"), ("-", "number"),
    ])
    func refusesMalformedDocumentsWithTheOffset(text: String, reason: String) {
        #expect {
            try JSONValue.parse(Data(text.utf8))
        } throws: { error in
            (error as? JSONParseError)?.reason.contains(reason) == true
        }
    }
}

@Suite struct MachineryTests {
    @Test func retryAfterReadsSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(Backoff.retryAfter("120", now: now) == .seconds(120))
        #expect(Backoff.retryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == .seconds(30))
        #expect(Backoff.retryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now: now) == .zero)
        #expect(Backoff.retryAfter("soon", now: now) == nil)
    }

    @Test(arguments: [
        ("48000:Accident Man", "48000%3AAccident%20Man"), ("a-b.c_d~e", "a-b.c_d~e"), ("Amélie", "Am%C3%A9lie"),
        ("x=1&y=2+3/4", "x%3D1%26y%3D2%2B3%2F4"), ("", ""),
    ])
    func queryComponentsArePercentEncodedStrictly(text: String, escaped: String) {
        var bytes: [UInt8] = []
        ProviderClient.escape(text, into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == escaped)
        #expect(escaped.removingPercentEncoding == text)
    }

    @Test(arguments: [
        (
            "http://127.0.0.1:9/v4", "shows/movie/238",
            "http://127.0.0.1:9/v4/shows/movie/238?cursor=48000%3AA%20B&k=s%2Bcret"
        ),
        (
            "https://api.example.com/v1/", "title/3173903/details",
            "https://api.example.com/v1/title/3173903/details?cursor=48000%3AA%20B&k=s%2Bcret"
        ),
        ("http://h/graphql", "", "http://h/graphql?cursor=48000%3AA%20B&k=s%2Bcret"),
        ("http://h/v4", "shows/tt0068646 x", "http://h/v4/shows/tt0068646%20x?cursor=48000%3AA%20B&k=s%2Bcret"),
    ])
    func requestsJoinTheBaseThePathAndTheEscapedQuery(base: String, path: String, url: String) throws {
        let client = ProviderClient(
            settings: ClientSettings(
                provider: "p",
                baseURL: try #require(URL(string: base)),
                auth: .queryParameter("k"),
                keys: [APIKey(label: "env:K", value: "s+cret")]
            ),
            transport: URLSessionTransport(),
            ledger: MemoryQuotaLedger(),
            logger: .init(label: "t")
        )
        let request = client.authorize(
            ProviderCall(path: path, query: [("cursor", "48000:A B")]),
            key: APIKey(label: "env:K", value: "s+cret")
        )
        #expect(request.url.absoluteString == url)
    }

    /// The location built directly must be the text URLComponents makes, which archived
    /// locations have always been; calls that need escaping still go through URLComponents.
    @Test(arguments: [
        ProviderCall(path: "title/3173903/details", query: [("append_to_response", "sources")]),
        ProviderCall(
            path: "list-titles",
            query: [("regions", "US,GB"), ("page", "2"), ("sort_by", "popularity_desc")]
        ),
        ProviderCall(path: "changes", query: [("from", "2026-11-01T00:00:00Z"), ("catalogs", "netflix,prime.buy")]),
        ProviderCall(path: "shows/search/filters", query: [("cursor", "48000:Accident Man"), ("country", "us")]),
        ProviderCall(path: "feeds/videos.xml", query: [("q", "a&b=c"), ("title", "Amélie")]),
        ProviderCall(path: "shows/tt0068646 x"), ProviderCall(path: ""), ProviderCall(method: "POST", path: "graphql"),
    ])
    func callLocationsReadAsURLComponentsWriteThem(call: ProviderCall) {
        var components = URLComponents()
        components.path = "/" + call.path
        if !call.query.isEmpty { components.queryItems = call.query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        #expect(call.location == "\(call.method) \(components.string ?? call.path)")
    }

    @Test func fullJitterStaysUnderTheDoublingCeiling() {
        let backoff = Backoff(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        var random = SystemRandomNumberGenerator()
        for attempt in 1...6 {
            let ceiling = min(1000, 100 << (attempt - 1))
            let waits = (0..<200).map { _ in backoff.jitteredDelay(afterAttempt: attempt, using: &random) }
            #expect(waits.allSatisfy { $0 <= .milliseconds(ceiling) })
            #expect(waits.contains { $0 > .milliseconds(ceiling / 2) }, "jitter spreads over the whole range")
        }
    }

    @Test func quotaDaysTurnOverAtTheProvidersResetTime() throws {
        let pacific = QuotaPolicy(
            dailyUnits: 10_000,
            resetTimeZone: try #require(TimeZone(identifier: "America/Los_Angeles"))
        )
        // 2026-11-26 07:59 UTC is 23:59 on the 25th in Los Angeles.
        let before = try Date("2026-11-26T07:59:00Z", strategy: .iso8601)
        let after = try Date("2026-11-26T08:01:00Z", strategy: .iso8601)
        #expect(pacific.day(of: before) == "2026-11-25")
        #expect(pacific.day(of: after) == "2026-11-26")
        #expect(pacific.nextReset(after: before) == (try Date("2026-11-26T08:00:00Z", strategy: .iso8601)))
    }

    @Test(arguments: ["America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"])
    func quotaDaysAgreeWithTheCalendarAcrossDaylightSavingChanges(zone: String) throws {
        let timeZone = try #require(TimeZone(identifier: zone))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        for resetHour in [0, 7] {
            let policy = QuotaPolicy(dailyUnits: 1, resetTimeZone: timeZone, resetHour: resetHour)
            // Every 37 minutes through 2026, both daylight-saving changes included.
            var date = try Date("2026-01-01T00:00:00Z", strategy: .iso8601)
            while date < (try Date("2027-01-01T00:00:00Z", strategy: .iso8601)) {
                let shifted = date.addingTimeInterval(-Double(resetHour) * 3600)
                let parts = calendar.dateComponents([.year, .month, .day], from: shifted)
                let expected = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
                #expect(policy.day(of: date) == expected, "\(date) in \(zone), reset at \(resetHour)")
                date.addTimeInterval(37 * 60)
            }
        }
    }

    /// A ledger that counts its writes.
    actor CountingLedger: QuotaLedger {
        let inner = MemoryQuotaLedger()
        var writes = 0

        func used(provider: String, key: String, day: String) async throws -> Int {
            await inner.used(provider: provider, key: key, day: day)
        }

        func charge(provider: String, key: String, day: String, units: Int) async throws -> Int {
            writes += 1
            return await inner.charge(provider: provider, key: key, day: day, units: units)
        }
    }

    @Test func reservationsWriteTheLedgerOncePerBlockAndSettleToWhatWasSpent() async throws {
        let base = CountingLedger()
        let ledger = QuotaReservations(base, block: 10)
        for _ in 0..<3 { _ = try await ledger.charge(provider: "p", key: "k", day: "d", units: 1) }
        #expect(await base.writes == 1, "one block reserved for three calls")
        #expect(try await base.used(provider: "p", key: "k", day: "d") == 10)
        #expect(try await ledger.used(provider: "p", key: "k", day: "d") == 3)
        // A call dearer than what is held reserves what it lacks before it goes.
        _ = try await ledger.charge(provider: "p", key: "k", day: "d", units: 100)
        #expect(try await base.used(provider: "p", key: "k", day: "d") >= 103)
        #expect(try await ledger.used(provider: "p", key: "k", day: "d") == 103)
        _ = try await ledger.charge(provider: "p", key: "other", day: "d", units: 2)
        try await ledger.settle()
        #expect(try await base.used(provider: "p", key: "k", day: "d") == 103)
        #expect(try await base.used(provider: "p", key: "other", day: "d") == 2)
    }

    @Test func theLedgerNeverHoldsLessThanWasSpentEvenWithoutSettling() async throws {
        let base = MemoryQuotaLedger()
        let ledger = QuotaReservations(base, block: 25)
        var random = SplitMix64(seed: 11)
        let costs = (0..<400).map { _ in [1, 1, 1, 5, 100][Int.random(in: 0..<5, using: &random)] }
        // Charged from many tasks at once, as parallel streams of one provider do.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: costs.count, by: 50) {
                group.addTask {
                    for cost in costs[chunk..<chunk + 50] {
                        _ = try await ledger.charge(provider: "p", key: "k", day: "d", units: cost)
                    }
                }
            }
            try await group.waitForAll()
        }
        let spent = costs.reduce(0, +)
        let recorded = await base.used(provider: "p", key: "k", day: "d")
        #expect(recorded >= spent, "a crash now would over-count, never under-count")
        #expect(recorded - spent <= 2 * 400 + 100, "by at most two of the largest blocks and a call")
        #expect(try await ledger.used(provider: "p", key: "k", day: "d") == spent)
        try await ledger.settle()
        #expect(await base.used(provider: "p", key: "k", day: "d") == spent)
    }

    @Test func unixTimesFormatLikeFoundation() {
        for unix in [0, 1_719_806_340, 951_782_400, 4_107_542_399, -86_401, 1_709_164_800] {
            #expect(
                ProviderValues.isoDateTime(unix: unix)
                    == Date(timeIntervalSince1970: TimeInterval(unix)).formatted(.iso8601)
            )
        }
    }

    /// Few offers are compared pairwise, many through a set: both keep the first of each
    /// (country, service, monetization, quality) in order.
    @Test(arguments: [3, 40])
    func repeatedOffersKeepTheFirst(countries: Int) throws {
        var offers: [Offer] = []
        for index in 0..<countries {
            let country = "C\(index)"
            offers.append(Offer(country: country, service: "netflix", monetization: .subscription))
            offers.append(Offer(country: country, service: "netflix", monetization: .rent, price: nil, quality: .hd))
            offers.append(Offer(country: country, service: "netflix", monetization: .subscription, webURL: "late"))
            offers.append(Offer(country: country, service: "netflix", monetization: .rent, price: nil, quality: .uhd))
        }
        let distinct = try #require(ProviderValues.distinctOffers(offers))
        #expect(distinct.count == countries * 3)
        #expect(distinct.allSatisfy { $0.webURL != "late" })
        #expect(distinct.map(\.identity) == offers.filter { $0.webURL != "late" }.map(\.identity))
        #expect(ProviderValues.distinctOffers([]) == nil)
    }

    @Test func durationsFromISO8601() {
        #expect(ProviderValues.minutes(iso8601Duration: "PT1H2M30S") == 63)
        #expect(ProviderValues.minutes(iso8601Duration: "PT45S") == 1)
        #expect(ProviderValues.minutes(iso8601Duration: "P1DT2H") == 1560)
        #expect(ProviderValues.minutes(iso8601Duration: "PT0S") == nil)
        #expect(ProviderValues.minutes(iso8601Duration: "1H") == nil)
    }

    @Test func redactionRemovesKeysPlainAndEscaped() {
        let redact = Redactor(secrets: ["sk/abc+123", "motn-key-xyz"])
        #expect(redact("GET /x?key=sk%2Fabc%2B123 and motn-key-xyz") == "GET /x?key=[redacted] and [redacted]")
    }

    /// Every form in which a key can come back: each is redacted in text and found in bytes.
    @Test(arguments: [
        ("raw", "sk-FAKE/WM+987= x"),
        ("percent, upper-case hex", "sk-FAKE%2FWM%2B987%3D%20x"),
        ("percent, lower-case hex", "sk-FAKE%2fWM%2b987%3d%20x"),
        ("percent, only letters and digits kept", "sk%2DFAKE%2FWM%2B987%3D%20x"),
        ("form-encoded, space as +", "sk-FAKE%2FWM%2B987%3D+x"),
        ("JSON-escaped", #"sk-FAKE\/WM+987= x"#),
        ("base64", "c2stRkFLRS9XTSs5ODc9IHg="),
        ("base64 inside a Basic credential", "dXNlcjpzay1GQUtFL1dNKzk4Nz0geA=="),
        ("base64, URL-safe alphabet", "dXNlcjpzay1GQUtFL1dNKzk4Nz0geA==".replacingOccurrences(of: "/", with: "_")),
    ])
    func redactionCoversEveryEncodingOfAKey(encoding: String, form: String) {
        let redact = Redactor(secrets: ["sk-FAKE/WM+987= x"])
        let text = "invalid key <\(form)> given"
        #expect(redact.occurs(in: Data(text.utf8)), "\(encoding)")
        let redacted = redact(text)
        #expect(redacted.contains("[redacted]"), "\(encoding): \(redacted)")
        #expect(
            !redacted.contains("FAKE") && !redacted.contains("RkFLRS") && !redacted.contains("zay1GQUtFL"),
            "\(encoding): \(redacted)"
        )
        #expect(!redact.occurs(in: Data(redacted.utf8)), "\(encoding)")
    }

    @Test func textWithoutAKeyIsLeftAlone() {
        let redact = Redactor(secrets: ["sk-FAKE/WM+987="])
        let text = #"{"title":"Heat","overview":"A thief, a detective","image":"aGVsbG8gd29ybGQ="}"#
        #expect(redact(text) == text)
        #expect(!redact.occurs(in: Data(text.utf8)))
    }

    @Test func circuitBreakerOpensThenProbes() async throws {
        // A clock moved by hand: the test does not depend on how fast the machine is.
        let clock = Mutex(ContinuousClock.now)
        let breaker = CircuitBreaker(host: "h", threshold: 2, cooldown: .seconds(30)) { clock.withLock { $0 } }
        #expect(await breaker.admit() == nil)
        await breaker.recordFailure()
        #expect(await breaker.admit() == nil)
        await breaker.recordFailure()
        #expect(await breaker.admit() == .seconds(30), "open after two failures in a row")
        clock.withLock { $0 += .seconds(29) }
        #expect(await breaker.admit() == .seconds(1), "still open a second before the cooldown ends")
        clock.withLock { $0 += .seconds(1) }
        #expect(await breaker.admit() == nil, "one probe after the cooldown")
        #expect(await breaker.admit() != nil, "only one probe at a time")
        await breaker.recordSuccess()
        #expect(await breaker.admit() == nil)
    }
}

@Suite struct ConfigurationTests {
    func error(_ yaml: String) -> String {
        do {
            let configuration = try ConnectorConfiguration.parse(yaml, file: "connectors/x.yml")
            _ = try Connector.streams(
                for: configuration,
                ledger: MemoryQuotaLedger(),
                logger: .init(label: "t"),
                environment: [:]
            )
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func theShippedConnectorFilesAreValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("connectors")
        for provider in ConnectorConfiguration.providers {
            let configuration = try ConnectorConfiguration.load(
                file: root.appendingPathComponent("\(provider).yml").path
            )
            #expect(configuration.provider == provider)
        }
    }

    @Test func errorsNameTheFileTheKeyAndTheLine() {
        let base = "provider: watchmode\nbase_url: https://api.watchmode.com/v1\n"
        #expect(
            error(base + "rate_limt: {requests_per_second: 2}").contains(
                "connectors/x.yml: key 'rate_limt' (line 3): unknown key (did you mean 'rate_limit'?)"
            )
        )
        #expect(
            error(base + "quota: {daily_units: -5}").contains(
                "key 'quota.daily_units' (line 3): expected a number from 1"
            )
        )
        #expect(error(base + "quota: {reset_time_zone: Mars/Olympus}").contains("unknown time zone 'Mars/Olympus'"))
        #expect(
            error(base + "genres: {\"7\": drame}").contains("key 'genres.7' (line 3): unknown canonical genre 'drame'")
        )
        #expect(
            error(base + "auth: {scheme: query, keys: [{env: \"sk-live-123-abc\"}]}").contains(
                "NAME of an environment variable"
            )
        )
        #expect(error("provider: netflix\nbase_url: https://x.example").contains("unknown provider 'netflix'"))
        #expect(error("provider: watchmode\nbase_url: ftp://x").contains("expected an http(s) URL"))
        #expect(error(base + "streams: {listing: {regions: [US], pages: 3}}").contains("key 'streams.listing.pages'"))
    }

    @Test func aMissingKeyVariableIsNamedNeverShown() throws {
        let configuration = try ConnectorConfiguration.parse(
            "provider: youtube\nbase_url: https://x.example/youtube/v3\nauth: {scheme: query, keys: [{env: YT_KEY_ONE}]}",
            file: "youtube.yml"
        )
        #expect(throws: MediaError.self) { try configuration.clientSettings(environment: [:]) }
        do {
            _ = try configuration.clientSettings(environment: [:])
        } catch {
            #expect("\(error)".contains("YT_KEY_ONE"))
        }
    }
}
