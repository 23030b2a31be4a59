import Foundation
import Hummingbird
import MediaModel
import Search
import Snapshots

/// The HTTP API (`docs/http-api.md`).
struct QueryRoutes: Sendable {
    let holder: SnapshotHolder
    let metrics: ServerMetrics

    func register(on router: Router<some RequestContext>) {
        router.get("/v1/search") { request, _ in try search(request) }
        router.get("/v1/titles/:id") { request, context in try title(request, context.parameters.get("id") ?? "") }
        router.get("/v1/snapshot") { _, _ in try snapshotInfo() }
        router.get("/healthz") { _, _ in try Self.json(["status": "ok"]) }
        router.get("/readyz") { _, _ in try ready() }
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json))
            )
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render()))
            )
        }
    }

    private func loaded() throws -> SnapshotHolder.Loaded {
        guard let loaded = holder.current else {
            throw Problem(.serviceUnavailable, "no snapshot is loaded yet; publish one with 'mediagw build'")
        }
        return loaded
    }

    private func search(_ request: Request) throws -> Response {
        let query = try SearchParameters.parse(request.uri.queryParameters)
        let loaded = try loaded()
        let results = try loaded.engine.search(query)
        var hits: [SearchHitBody] = []
        for hit in results.hits {
            hits.append(SearchHitBody(score: hit.score, title: try loaded.snapshot.title(hit.document)))
        }
        return try Self.json(
            SearchBody(
                query: query.text,
                total: results.total,
                limit: query.limit,
                offset: query.offset,
                snapshot: loaded.snapshot.metadata.buildID,
                results: hits,
                facets: results.facets.isEmpty
                    ? nil : Dictionary(uniqueKeysWithValues: results.facets.map { ($0.key.rawValue, $0.value) })
            )
        )
    }

    private func title(_ request: Request, _ id: String) throws -> Response {
        let loaded = try loaded()
        guard id.count <= 64, let doc = loaded.snapshot.document(forID: id, followAliases: false) else {
            if let survivor = loaded.snapshot.metadata.aliases[id] {
                return Response(
                    status: .movedPermanently,
                    headers: [.location: "/v1/titles/\(survivor)", .contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"id\":\"\(survivor)\"}"))
                )
            }
            throw Problem(.notFound, "no title with id '\(id.prefix(64))' in snapshot \(loaded.name)")
        }
        return try Self.json(try loaded.snapshot.title(doc))
    }

    private func snapshotInfo() throws -> Response {
        let loaded = try loaded()
        return try Self.json(
            SnapshotBody(
                name: loaded.name,
                sizeBytes: loaded.snapshot.fileSize,
                loadedAt: loaded.loadedAt.formatted(.iso8601),
                metadata: loaded.snapshot.metadata,
                sections: loaded.snapshot.sections
            )
        )
    }

    private func ready() throws -> Response {
        guard let loaded = holder.current else {
            throw Problem(.serviceUnavailable, "no snapshot is loaded")
        }
        return try Self.json(["status": "ready", "snapshot": loaded.name])
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }
}

struct SearchHitBody: Encodable {
    var score: Double
    var title: CanonicalTitle
}

struct SearchBody: Encodable {
    var query: String
    var total: Int
    var limit: Int
    var offset: Int
    var snapshot: String
    var results: [SearchHitBody]
    /// Requested facet counts over all matches: field → values, most frequent first.
    var facets: [String: [SearchResults.FacetCount]]?
}

struct SnapshotBody: Encodable {
    var name: String
    var sizeBytes: Int
    var loadedAt: String
    var metadata: SnapshotMetadata
    var sections: [Snapshot.SectionInfo]
}
