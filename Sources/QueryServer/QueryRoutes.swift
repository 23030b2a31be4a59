import Embeddings
import Foundation
import HTTPClient
import Hummingbird
import MediaModel
import Search
import Snapshots

/// The HTTP API (`docs/http-api.md`).
struct QueryRoutes: Sendable {
    let holder: SnapshotHolder
    let metrics: ServerMetrics
    /// Embeds query text for semantic and hybrid ranking; nil serves lexical search only.
    let embedder: (any Embedder)?
    /// Why there is no embedder, for `/readyz` and fallback notices.
    let embedderProblem: String?
    let ranking: RankingTuning
    /// Search and embedding run on these threads, admitted through `gate`.
    let workers: WorkerThreads
    let gate: AdmissionGate
    /// Search answers already given, by snapshot and query string; a snapshot is immutable, so
    /// the same question gets the same bytes until the next swap.
    var responses = BoundedCache<String, [UInt8]>(budget: 0)
    /// The object store the daemon follows, if any (reported by `/readyz`).
    var storeStatus: StoreStatus? = nil
    /// The snapshots directory whose change files `/v1/changes` serves.
    var changesDirectory: String? = nil
    /// Today, for availability windows.
    var today: @Sendable () -> Day = { Day(Date()) }

    func register(on router: Router<some RequestContext>) {
        router.get("/v1/search") { request, _ in try await search(request) }
        router.get("/v1/titles/:id") { request, context in try title(request, context.parameters.get("id") ?? "") }
        router.get("/v1/titles/:id/similar") { request, context in
            try await offloaded { try similar(request, context.parameters.get("id") ?? "") }
        }
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
        if let changesDirectory {
            ChangeFeed(holder: holder, directory: SnapshotDirectory(path: changesDirectory)).register(on: router)
        }
        AvailabilityRoutes(holder: holder, today: today).register(on: router) { body in
            try await offloaded { try await body() }
        }
        SearchPage.register(on: router)
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render()))
            )
        }
    }

    /// Runs search work on the worker threads once the gate admits it; an overloaded server
    /// answers 503 with `Retry-After` at once rather than queue without bound.
    func offloaded<Answer>(_ body: () async throws -> Answer) async throws -> Answer {
        do {
            metrics.searchQueueChanged(gate.queued)
            defer { metrics.searchQueueChanged(gate.queued) }
            return try await gate.run { try await withTaskExecutorPreference(workers) { try await body() } }
        } catch let refusal as AdmissionGate.Refusal {
            throw busy(
                full: refusal == .queueFull,
                refusal == .queueFull
                    ? "\(gate.permits) searches are running and \(gate.queueLimit) waiting"
                    : "this search waited longer than its deadline"
            )
        }
    }

    /// The query's vector, from the embedder's queue; a full queue or a missed deadline is the
    /// same 503 as the search gate's.
    private func vector(_ text: String) async throws -> [Float]? {
        do {
            return try await embedder!.embed([text]).first
        } catch let refusal as CoalescingEmbedder.Refusal {
            throw busy(full: refusal == .queueFull, "\(refusal)")
        }
    }

    /// Counts a refusal for overload and makes its 503 with `Retry-After`.
    private func busy(full: Bool, _ why: String) -> Problem {
        metrics.searchRejected(reason: full ? "queue_full" : "deadline")
        return Problem(.serviceUnavailable, "the server is busy: \(why); try again", retryAfter: 1)
    }

    /// Why semantic ranking cannot be used with `loaded`, or nil when it can.
    private func semanticProblem(_ loaded: SnapshotHolder.Loaded) -> String? {
        guard let vectors = loaded.engine.vectorSearch else {
            return "snapshot \(loaded.name) was built without embeddings"
        }
        guard let embedder else { return embedderProblem ?? "no embedding model is loaded" }
        guard embedder.modelID == vectors.modelID else {
            return "the snapshot's vectors come from model \(vectors.modelID) but queries are embedded by "
                + embedder.modelID
        }
        return nil
    }

    /// Embeds the query first, outside the search gate: the embedder takes the queries of
    /// concurrent requests together in one model call (``CoalescingEmbedder``), which it cannot
    /// do while the gate lets only as many through as there are threads.
    private func search(_ request: Request) async throws -> Response {
        // Answered here, on the HTTP threads: a kept answer costs less than the hop to a worker.
        let kept = responses.budget > 0 ? holder.current.map { $0.name + "?" + (request.uri.query ?? "") } : nil
        if let kept, let body = responses.value(for: kept) { return Self.json(bytes: body) }
        var query = try SearchParameters.parse(request.uri)
        query.tuning = ranking
        let loaded = try holder.loaded()
        var notice: String?
        if query.mode != .lexical && !query.text.trimmingCharacters(in: .whitespaces).isEmpty {
            if let problem = semanticProblem(loaded) {
                if query.mode == .semantic {
                    throw Problem(.serviceUnavailable, "semantic search is unavailable: \(problem)")
                }
                notice = "semantic ranking is unavailable (\(problem)); results are lexical"
            } else {
                query.vector = try await vector(query.text)
            }
        }
        let body = try await offloaded { [query, notice] in try search(query, notice: notice, loaded, request) }
        if let kept, kept.hasPrefix(loaded.name + "?") {
            responses.insert(body, for: kept, cost: body.count + kept.utf8.count + 64)
        }
        return Self.json(bytes: body)
    }

    private func search(
        _ query: SearchQuery,
        notice: String?,
        _ loaded: SnapshotHolder.Loaded,
        _ request: Request
    ) throws -> [UInt8] {
        let results = try loaded.engine.search(query)
        return try Self.jsonBytes(
            SearchBody(
                query: query.text,
                mode: results.mode.rawValue,
                notice: notice,
                total: results.total,
                limit: query.limit,
                offset: query.offset,
                snapshot: loaded.snapshot.metadata.buildID,
                results: try hitBodies(
                    results,
                    loaded,
                    offers: query.filters.offerFilter,
                    matchedOnly: try SearchParameters.matchedOffersOnly(request.uri)
                ),
                facets: results.facets.isEmpty
                    ? nil : Dictionary(uniqueKeysWithValues: results.facets.map { ($0.key.rawValue, $0.value) })
            )
        )
    }

    /// The page's titles; with offer conditions each hit also lists the offers that met them
    /// (and, with `offers=matched`, only those).
    private func hitBodies(
        _ results: SearchResults,
        _ loaded: SnapshotHolder.Loaded,
        offers: AvailabilityIndex.OfferFilter = .init(),
        matchedOnly: Bool = false
    ) throws -> [SearchHitBody] {
        try results.hits.map { hit in
            var title = try loaded.snapshot.title(hit.document)
            guard !offers.isEmpty else {
                return SearchHitBody(score: hit.score, explanation: hit.explanation, title: title)
            }
            let matched = title.offers.filter(offers.accepts)
            if matchedOnly { title.offers = matched }
            return SearchHitBody(score: hit.score, matchedOffers: matched, explanation: hit.explanation, title: title)
        }
    }

    /// Titles nearest to one title in vector space, under the same filters as a search.
    private func similar(_ request: Request, _ id: String) throws -> Response {
        let query = try SearchParameters.parseSimilar(request.uri)
        let loaded = try holder.loaded()
        guard id.count <= 64, let doc = loaded.snapshot.document(forID: id, followAliases: false) else {
            if let survivor = loaded.snapshot.metadata.aliases[id] {
                let rest = request.uri.query.map { "?" + $0 } ?? ""
                return Self.redirect(to: "/v1/titles/\(survivor)/similar\(rest)", id: survivor)
            }
            throw Problem(.notFound, "no title with id '\(id.prefix(64))' in snapshot \(loaded.name)")
        }
        guard let results = try loaded.engine.similar(to: doc, query) else {
            throw Problem(.serviceUnavailable, "similar titles are unavailable: snapshot \(loaded.name) has no vectors")
        }
        return try Self.json(
            SimilarBody(
                id: id,
                total: results.total,
                limit: query.limit,
                offset: query.offset,
                snapshot: loaded.snapshot.metadata.buildID,
                results: try hitBodies(results, loaded)
            )
        )
    }

    static func redirect(to location: String, id: String) -> Response {
        Response(
            status: .movedPermanently,
            headers: [.location: location, .contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"id\":\"\(id)\"}"))
        )
    }

    private func title(_ request: Request, _ id: String) throws -> Response {
        let loaded = try holder.loaded()
        guard id.count <= 64, let doc = loaded.snapshot.document(forID: id, followAliases: false) else {
            if let survivor = loaded.snapshot.metadata.aliases[id] {
                return Self.redirect(to: "/v1/titles/\(survivor)", id: survivor)
            }
            throw Problem(.notFound, "no title with id '\(id.prefix(64))' in snapshot \(loaded.name)")
        }
        return try Self.json(try loaded.snapshot.title(doc))
    }

    private func snapshotInfo() throws -> Response {
        let loaded = try holder.loaded()
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
        let problem = semanticProblem(loaded)
        return try Self.json(
            ReadyBody(
                status: "ready",
                snapshot: loaded.name,
                capabilities: [
                    "lexical": true, "semantic": problem == nil, "similar": loaded.engine.vectorSearch != nil,
                ],
                missing: problem.map { ["semantic: \($0)"] } ?? [],
                store: storeStatus.map { StoreBody($0, serving: loaded.name) }
            )
        )
    }

    static func json(_ value: some Encodable) throws -> Response {
        json(bytes: try jsonBytes(value))
    }

    static func json(bytes: [UInt8]) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    /// The JSON of a response body: written directly where the body can (`JSONWritable`),
    /// otherwise by `JSONEncoder`; the bytes are the same either way.
    static func jsonBytes(_ value: some Encodable) throws -> [UInt8] {
        if let writable = value as? any JSONWritable {
            var writer = JSONWriter()
            if writable.write(to: &writer) { return writer.bytes }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }
}

struct SearchHitBody: Encodable {
    var score: Double
    /// With offer filters: the title's offers that met them, before the full `offers`.
    var matchedOffers: [Offer]? = nil
    /// With `explain=true`: the parts of the score.
    var explanation: HitExplanation? = nil
    var title: CanonicalTitle
}

struct SearchBody: Encodable {
    var query: String
    /// The ranking used: lexical, semantic or hybrid.
    var mode: String
    /// Set when the ranking asked for could not be used.
    var notice: String?
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

struct SimilarBody: Encodable {
    var id: String
    var total: Int
    var limit: Int
    var offset: Int
    var snapshot: String
    var results: [SearchHitBody]
}

struct ReadyBody: Encodable {
    var status: String
    var snapshot: String
    /// What this server can do with the loaded snapshot and model.
    var capabilities: [String: Bool]
    /// Capabilities that are off, each with the reason.
    var missing: [String]
    /// For a daemon that follows an object store: what it last learned there and how stale it is.
    var store: StoreBody?
}

struct StoreBody: Encodable {
    var location: String
    /// What the store's `CURRENT` named at the last successful check.
    var current: String?
    var lastCheckAt: String?
    var lastSuccessAt: String?
    /// Seconds since the last successful check of the store.
    var secondsSinceSuccess: Double?
    /// True when the last check failed or none succeeded within three poll intervals: the
    /// snapshot served may be older than the store's.
    var stale: Bool
    /// True when the store names a snapshot other than the one served (a download in progress,
    /// or one refused).
    var behind: Bool
    var error: String?
    var refused: String?
    /// Checks of the store since start, and the one that installed the cached snapshot.
    var checks: Int
    var installedAtCheck: Int?

    init(_ status: StoreStatus, serving: String, now: Date = Date()) {
        let state = status.current
        location = state.location
        current = state.current
        lastCheckAt = state.lastCheckAt?.formatted(.iso8601)
        lastSuccessAt = state.lastSuccessAt?.formatted(.iso8601)
        secondsSinceSuccess = state.lastSuccessAt.map { (now.timeIntervalSince($0) * 10).rounded() / 10 }
        let interval = status.pollInterval.seconds
        stale = state.error != nil || (secondsSinceSuccess ?? .infinity) > 3 * interval + 1
        behind = state.current.map { $0 != serving } ?? false
        error = state.error
        refused = state.refused
        checks = state.checks
        installedAtCheck = state.installedAtCheck
    }
}
