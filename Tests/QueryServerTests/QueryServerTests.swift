import Embeddings
import Foundation
import Logging
import MediaModel
@testable import QueryServer
import ServiceLifecycle
import Snapshots
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Runs the real application on an ephemeral loopback port for the duration of `body`.
func withServer(
    _ directory: SnapshotDirectory?,
    embedder: (any Embedder)? = nil,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (QueryServer, URL) async throws -> Void
) async throws {
    let logger = Logger(label: "test")
    var configuration = ServerConfiguration(
        host: "127.0.0.1",
        port: 0,
        snapshotsDirectory: directory?.path ?? "/nonexistent/snapshots",
        pollInterval: .milliseconds(50)
    )
    configure(&configuration)
    let server = QueryServer(configuration: configuration, embedder: embedder, logger: logger)
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = server.makeApplication { port in continuation.yield(port) }
    try await whileServing(app, ports: ports, logger: logger) { port in
        try await body(server, URL(string: "http://127.0.0.1:\(port)")!)
    }
}

func get(_ base: URL, _ path: String) async throws -> (status: Int, json: [String: Any], text: String, url: URL?) {
    let answer = try await httpGet(base, path)
    return (answer.status, answer.json, answer.text, answer.url)
}

/// Waits (bounded) until `condition` holds.
func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
    for _ in 0..<100 {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return false
}

@Suite(.serialized) struct QueryServerTests {
    static let titles = [
        makeTitle("mg01", "Alien", year: 1979), makeTitle("mg02", "Aliens", year: 1986),
        makeTitle("mg03", "Heat", year: 1995),
    ]

    @Test func searchReturnsRankedTitles() async throws {
        try await withServer(try publishedDirectory(Self.titles)) { _, base in
            let response = try await get(base, "/v1/search?q=alien&limit=5")
            #expect(response.status == 200)
            #expect(response.json["total"] as? Int == 2)
            let results = response.json["results"] as? [[String: Any]] ?? []
            #expect((results.first?["title"] as? [String: Any])?["id"] as? String == "mg01")
        }
    }

    @Test(arguments: [
        ("/v1/search?q=x&limit=100000", "limit"),
        ("/v1/search?q=x&limit=0", "limit"),
        ("/v1/search?q=x&offset=-1", "offset"),
        ("/v1/search?q=x&foo=1", "foo"),
        ("/v1/search?q=x&year_from=abc", "year_from"),
        ("/v1/search?q=x&genre=mumblecore", "genre"),
        ("/v1/search?q=x&kind=film", "kind"),
        ("/v1/search?q=x&country=USA", "country"),
        ("/v1/search?q=x&monetization=lease", "monetization"),
        ("/v1/search?q=x&facets=genre,colour", "facets"),
        ("/v1/search?q=x&genre=", "genre"),
        ("/v1/search?q=" + String(repeating: "a", count: 10_000), "q"),
        // Invalid UTF-8 once decoded; once turned into U+FFFD and answered 200.
        ("/v1/search?q=%ff%fe", "q"),
        ("/v1/search?q=ok&genre=%c3", "genre"),
        // One character of 5,001 code points (a letter and 5,000 combining acute accents).
        ("/v1/search?q=a" + String(repeating: "%CC%81", count: 5_000), "q"),
        ("/v1/titles/mg01/similar?genre=%ff", "genre"),
    ])
    func badParametersGetAProblemNamingTheParameter(path: String, parameter: String) async throws {
        try await withServer(try publishedDirectory(Self.titles)) { _, base in
            let response = try await get(base, path)
            #expect(response.status == 400)
            #expect(response.json["parameter"] as? String == parameter)
            #expect((response.json["detail"] as? String)?.contains(parameter) == true)
            #expect(response.json["status"] as? Int == 400)
        }
    }

    @Test func facetCountsAreReturnedWhenAskedFor() async throws {
        try await withServer(try publishedDirectory(Self.titles)) { _, base in
            let response = try await get(base, "/v1/search?q=alien&facets=year,kind")
            let facets = response.json["facets"] as? [String: [[String: Any]]]
            #expect(facets?["kind"]?.first?["value"] as? String == "movie")
            #expect(facets?["kind"]?.first?["count"] as? Int == 2)
            #expect(facets?["year"]?.count == 2)
            let plain = try await get(base, "/v1/search?q=alien")
            #expect(plain.json["facets"] == nil)
        }
    }

    @Test func openAPIDocumentDescribesWhatTheServerAccepts() async throws {
        try await withServer(try publishedDirectory(Self.titles)) { _, base in
            let response = try await get(base, "/openapi.json")
            #expect(response.status == 200)
            #expect(response.json["openapi"] as? String == "3.1.0")
            let paths = response.json["paths"] as? [String: Any] ?? [:]
            #expect(
                Set(paths.keys)
                    == [
                        "/v1/search", "/v1/titles/{id}", "/v1/titles/{id}/similar", "/v1/snapshot", "/healthz",
                        "/readyz", "/metrics", "/openapi.json", "/v1/leaving", "/v1/new", "/v1/titles/{id}/offers",
                        "/v1/changes",
                    ]
            )
            let search = (paths["/v1/search"] as? [String: Any])?["get"] as? [String: Any]
            let names = (search?["parameters"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(Set(names) == SearchParameters.known)
            let similar = (paths["/v1/titles/{id}/similar"] as? [String: Any])?["get"] as? [String: Any]
            let similarNames = (similar?["parameters"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(Set(similarNames) == SearchParameters.knownForSimilar.union(["id"]))
            // Every documented path answers (with a snapshot loaded), none with 404 from the router.
            for path in ["/v1/search?q=alien", "/v1/titles/mg01", "/v1/snapshot", "/healthz", "/readyz", "/metrics"] {
                #expect(try await get(base, path).status == 200, "\(path)")
            }
        }
    }

    @Test func titleByIDAndAliasRedirect() async throws {
        try await withServer(try publishedDirectory(Self.titles, aliases: ["mgold": "mg03"])) { _, base in
            let direct = try await get(base, "/v1/titles/mg02")
            #expect(direct.status == 200)
            #expect(direct.json["title"] as? String == "Aliens")
            let aliased = try await get(base, "/v1/titles/mgold")
            #expect(aliased.status == 200)
            #expect(aliased.json["id"] as? String == "mg03")
            #expect(aliased.url?.path == "/v1/titles/mg03")
            let missing = try await get(base, "/v1/titles/mg99")
            #expect(missing.status == 404)
            #expect((missing.json["detail"] as? String)?.contains("mg99") == true)
        }
    }

    @Test func notReadyWithoutASnapshotButHealthy() async throws {
        try await withServer(nil) { _, base in
            let health = try await get(base, "/healthz")
            let ready = try await get(base, "/readyz")
            let search = try await get(base, "/v1/search?q=alien")
            #expect(health.status == 200)
            #expect(ready.status == 503)
            #expect(search.status == 503)
        }
    }

    @Test func snapshotInfoAndMetrics() async throws {
        try await withServer(try publishedDirectory(Self.titles)) { _, base in
            _ = try await get(base, "/v1/search?q=heat")
            let info = try await get(base, "/v1/snapshot")
            #expect((info.json["metadata"] as? [String: Any])?["titleCount"] as? Int == 3)
            let metrics = try await get(base, "/metrics").text
            #expect(metrics.contains(#"mediagw_http_requests_total{route="/v1/search",status="200"} 1"#))
            #expect(metrics.contains("mediagw_http_request_duration_seconds_bucket"))
            #expect(metrics.contains("mediagw_snapshot_titles_count 3"))
            #expect(metrics.contains("mediagw_snapshot_size_bytes"))
            #expect(metrics.contains("mediagw_snapshot_age_seconds"))
        }
    }

    /// A query asked again on the same snapshot is answered from the kept bytes, the same ones;
    /// after a swap the new snapshot answers.
    @Test func keptAnswersAreTheSameBytesUntilTheSnapshotChanges() async throws {
        let directory = try publishedDirectory(Self.titles)
        try await withServer(directory, configure: { $0.responseCacheBytes = 1 << 20 }) { server, base in
            let first = try await get(base, "/v1/search?q=ronin&limit=5")
            let again = try await get(base, "/v1/search?q=ronin&limit=5")
            #expect(first.json["total"] as? Int == 0)
            #expect(again.text == first.text)
            let metrics = server.metrics.render()
            #expect(metrics.contains(#"mediagw_response_cache_total{result="hit"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"mediagw_response_cache_total{result="miss"} 1"#))
            // A bad request is never kept: it stays a 400.
            #expect(try await get(base, "/v1/search?q=ronin&limit=0").status == 400)
            #expect(try await get(base, "/v1/search?q=ronin&limit=0").status == 400)
            try publish(Self.titles + [makeTitle("mg04", "Ronin", year: 1998)], to: directory)
            #expect(
                try await eventually { try await get(base, "/v1/search?q=ronin&limit=5").json["total"] as? Int == 1 }
            )
        }
    }

    @Test func swapsToANewSnapshotAndRefusesACorruptOne() async throws {
        let directory = try publishedDirectory(Self.titles)
        try await withServer(directory) { server, base in
            #expect(try await get(base, "/v1/search?q=ronin").json["total"] as? Int == 0)
            try publish(Self.titles + [makeTitle("mg04", "Ronin", year: 1998)], to: directory)
            #expect(try await eventually { try await get(base, "/v1/search?q=ronin").json["total"] as? Int == 1 })

            // A corrupt file made current by hand (or by a broken copy) is refused.
            let good = try #require(try directory.currentSnapshotPath())
            var bytes = try Data(contentsOf: URL(fileURLWithPath: good))
            bytes[bytes.count / 2] ^= 0xff
            let badName = "snapshot-99999999T000000Z-corrupt.mgws"
            try bytes.write(to: URL(fileURLWithPath: directory.path + "/" + badName))
            try directory.point(at: badName)
            #expect(try await eventually { server.metrics.render().contains("mediagw_snapshot_refused_total 1") })
            #expect(server.holder.current?.name == (good as NSString).lastPathComponent)
            #expect(try await get(base, "/v1/search?q=ronin").json["total"] as? Int == 1)
        }
    }
}
