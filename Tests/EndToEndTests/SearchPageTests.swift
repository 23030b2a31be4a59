import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Testing

/// The search page in a real browser: headless Chromium loads it from the daemon, runs its
/// script against the JSON API, and the rendered DOM is checked.
@Suite struct SearchPageTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// The DOM after the page's script ran (`--dump-dom`), or a screenshot when `screenshot` is given.
    static func render(_ url: String, screenshot: String? = nil, width: Int = 1280) async throws -> String {
        let browser = try #require(chromium, "Chromium is not installed (scripts/test.sh installs it)")
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        var arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)", "--virtual-time-budget=8000",
            "--window-size=\(width),1000",
        ]
        arguments.append(screenshot.map { "--screenshot=\($0)" } ?? "--dump-dom")
        process.arguments = arguments + [url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        await process.exited()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func thePageShowsResultsOffersAndFacetsAndEscapesWhatTheIndexHolds() async throws {
        let workspace = try await PipelineTests.publishedSample()
        let evil = try await Harness.run(
            ["import", Harness.fixture("script-title.jsonl"), "--source", "evil"],
            in: workspace
        )
        #expect(evil.status == 0, "\(evil.stderr)")
        #expect(try await Harness.run(["build", "--no-embeddings"], in: workspace).status == 0)
        let (daemon, base, _) = try await Harness.serve(in: workspace)
        defer { daemon.terminate() }

        let page = try await Self.render(base.absoluteString + "/?q=taxi%20driver&country=DE&mode=lexical")
        // The first result is the film, with the offers matching the country filter only.
        let cards = page.components(separatedBy: "<article class=\"card\"").dropFirst()
        let first = try #require(cards.first, "no result cards in \(page.prefix(2000))")
        #expect(first.contains(">Taxi Driver</a></h2>"), "\(first.prefix(600))")
        let offers = first.components(separatedBy: "<li class=\"offer\">").dropFirst()
        #expect(!offers.isEmpty && offers.allSatisfy { $0.contains(" · DE") }, "\(first.prefix(1200))")
        // Facet counts are rendered, and agree with the API.
        let api = try await Harness.get(base, "/v1/search?q=taxi%20driver&country=DE&mode=lexical&facets=kind")
        let kinds = try #require((api.json["facets"] as? [String: Any])?["kind"] as? [[String: Any]])
        let movies = try #require(kinds.first { $0["value"] as? String == "movie" }?["count"] as? Int)
        #expect(
            page.contains(#"data-value="movie">movie <span class="count">\#(movies)</span>"#),
            "\(page.suffix(3000))"
        )
        #expect(page.contains("3001 titles"), "it says which snapshot it serves")

        // Markup in a title is text; a javascript: link is no link; the script did not run.
        let escaped = try await Self.render(base.absoluteString + "/?q=evil&mode=lexical")
        #expect(escaped.contains("&lt;script&gt;document.title=\"pwned\"&lt;/script&gt; Taxi Evil"), "\(escaped)")
        #expect(!escaped.contains("<title>pwned"))
        #expect(!escaped.contains("javascript:alert"))

        // A title's own page, with all its offers.
        let id = try #require(first.components(separatedBy: "data-id=\"").dropFirst().first?.prefix { $0 != "\"" })
        let title = try await Self.render(base.absoluteString + "/titles/\(id)")
        #expect(title.contains(">Taxi Driver</a></h2>") && title.contains("directed by Martin Scorsese"), "\(title)")

        // A picture to look at: .build/artifacts/search-page.png.
        let artifacts = Harness.packageRoot.appendingPathComponent(".build/artifacts").path
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        _ = try await Self.render(
            base.absoluteString + "/?q=taxi%20driver&country=DE",
            screenshot: artifacts + "/search-page.png"
        )
        #expect(FileManager.default.fileExists(atPath: artifacts + "/search-page.png"))
    }

    @Test func thePageIsServedWithAStrictContentSecurityPolicy() async throws {
        let workspace = try await PipelineTests.publishedSample()
        let (daemon, base, _) = try await Harness.serve(in: workspace)
        defer { daemon.terminate() }
        for path in ["/", "/titles/mg000000000000"] {
            let (data, response) = try await URLSession.shared.data(from: URL(string: base.absoluteString + path)!)
            let http = try #require(response as? HTTPURLResponse)
            #expect(http.statusCode == 200, "\(path)")
            let policy = http.value(forHTTPHeaderField: "Content-Security-Policy") ?? ""
            #expect(http.value(forHTTPHeaderField: "X-Content-Type-Options") == "nosniff")
            let text = String(decoding: data, as: UTF8.self)
            // The one script and the one stylesheet are allowed by their digests (that the
            // digests are right shows in the browser: the script runs), nothing else inline: no
            // handler attribute, no 'unsafe-inline', nothing from elsewhere.
            #expect(policy.hasPrefix("default-src 'none'; script-src 'sha256-"), "\(policy)")
            #expect(policy.contains("; style-src 'sha256-"), "\(policy)")
            #expect(!policy.contains("unsafe") && !policy.contains("http"), "\(policy)")
            #expect(text.components(separatedBy: "</script>").count == 2, "one script only")
            #expect(!text.contains(" onclick=") && !text.contains("innerHTML"), "\(path)")
        }
        for path in ["/assets/search.js", "/assets/search.css"] {
            #expect(try await Harness.get(base, path).status == 404, "\(path) is inside the page now")
        }
    }

    /// The page asks for its first results with the HTML (a preload), and its script takes
    /// that answer instead of asking again: one search per page load.
    @Test func theFirstSearchIsMadeOnceWithThePage() async throws {
        let workspace = try await PipelineTests.publishedSample()
        let (daemon, base, _) = try await Harness.serve(in: workspace)
        defer { daemon.terminate() }
        func searches() async throws -> Int {
            let (data, _) = try await URLSession.shared.data(from: URL(string: base.absoluteString + "/metrics")!)
            let metrics = String(decoding: data, as: UTF8.self)
            return metrics.split(separator: "\n").filter {
                $0.hasPrefix(#"mediagw_http_requests_total{route="/v1/search""#)
            }
            .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        }
        for query in [
            "?q=taxi%20driver&country=de&mode=lexical",
            "?q=%20caf%C3%A9,%20noir%20&mode=hybrid&year_from=1970&kind=movie", "",
        ] {
            let before = try await searches()
            let page = try await Self.render(base.absoluteString + "/" + query)
            #expect(page.contains("<article class=\"card\""), "\(query): \(page.suffix(1500))")
            #expect(try await searches() == before + 1, "\(query): the preload and the script's request differ")
        }
    }
}
