import Foundation
import Hummingbird
import MediaModel
import Search
import Snapshots

/// `GET /v1/leaving`, `GET /v1/new` and `GET /v1/titles/{id}/offers`: what is leaving, what is
/// new, and where one title is watchable — over the snapshot's dated offers.
struct AvailabilityRoutes: Sendable {
    let holder: SnapshotHolder
    /// Today, for `within` and `since` (injected by tests).
    let today: @Sendable () -> Day

    func register(
        on router: Router<some RequestContext>,
        offloaded: @escaping @Sendable (@escaping @Sendable () async throws -> Response) async throws -> Response
    ) {
        router.get("/v1/leaving") { request, _ in try await offloaded { try self.list(request, order: .soonestExpiry) }
        }
        router.get("/v1/new") { request, _ in try await offloaded { try self.list(request, order: .newestStart) } }
        router.get("/v1/titles/:id/offers") { request, context in
            try self.offers(request, context.parameters.get("id") ?? "")
        }
    }

    /// Offers expiring from `on` to `on + within` (soonest first), or that started from
    /// `on − since` to `on` (newest first); each title once with the offers that matched.
    private func list(_ request: Request, order: AvailabilityIndex.Order) throws -> Response {
        let window = order == .soonestExpiry ? "within" : "since"
        var query = try SearchParameters.parseAvailability(request.uri, window: window)
        let on = query.on ?? today()
        let days = query.days ?? (order == .soonestExpiry ? 30 : 7)
        let range = order == .soonestExpiry ? on...on.adding(days: days) : on.adding(days: -days)...on
        if order == .soonestExpiry { query.filters.expires = range } else { query.filters.availableSince = range }
        let loaded = try holder.loaded()
        let (hits, total) = try loaded.engine.availability(
            query.filters,
            order: order,
            offset: query.offset,
            limit: query.limit
        )
        let results = try hits.map { hit in
            var title = try loaded.snapshot.title(hit.doc)
            let matched = hit.offers.compactMap { title.offers.indices.contains($0) ? title.offers[$0] : nil }
            if query.matchedOnly { title.offers = matched }
            return AvailabilityHitBody(day: hit.day.description, matchedOffers: matched, title: title)
        }
        return try QueryRoutes.json(
            AvailabilityBody(
                on: on.description,
                from: range.lowerBound.description,
                to: range.upperBound.description,
                total: total,
                limit: query.limit,
                offset: query.offset,
                snapshot: loaded.snapshot.metadata.buildID,
                results: results
            )
        )
    }

    /// One title's offers grouped by country (optionally only some countries), sorted by
    /// service, monetization and price.
    private func offers(_ request: Request, _ id: String) throws -> Response {
        let countries = try SearchParameters.parseOffers(request.uri)
        let loaded = try holder.loaded()
        guard id.count <= 64, let doc = loaded.snapshot.document(forID: id, followAliases: false) else {
            if let survivor = loaded.snapshot.metadata.aliases[id] {
                let rest = request.uri.query.map { "?" + $0 } ?? ""
                return QueryRoutes.redirect(to: "/v1/titles/\(survivor)/offers\(rest)", id: survivor)
            }
            throw Problem(.notFound, "no title with id '\(id.prefix(64))' in snapshot \(loaded.name)")
        }
        let title = try loaded.snapshot.title(doc)
        var grouped: [String: [Offer]] = [:]
        for offer in title.offers where countries.isEmpty || countries.contains(offer.country) {
            grouped[offer.country, default: []].append(offer)
        }
        for country in grouped.keys {
            grouped[country]!.sort { left, right in
                if left.service != right.service { return left.service < right.service }
                if left.monetization != right.monetization { return left.monetization < right.monetization }
                return (left.price?.amount ?? 0) < (right.price?.amount ?? 0)
            }
        }
        return try QueryRoutes.json(
            OffersBody(id: title.id, title: title.title, year: title.year, countries: grouped)
        )
    }
}

struct AvailabilityHitBody: Encodable {
    /// The day the title is ordered by: its first matched offer's expiry or start.
    var day: String
    var matchedOffers: [Offer]
    var title: CanonicalTitle
}

struct AvailabilityBody: Encodable {
    var on: String
    var from: String
    var to: String
    var total: Int
    var limit: Int
    var offset: Int
    var snapshot: String
    var results: [AvailabilityHitBody]
}

struct OffersBody: Encodable {
    var id: String
    var title: String
    var year: Int?
    var countries: [String: [Offer]]
}
