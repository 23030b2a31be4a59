import Foundation
import Hummingbird
import MediaModel
import Snapshots
import Synchronization

/// `GET /v1/changes?since=BUILD_ID`: every change published after that build up to the one
/// served, from the change files beside the snapshots (`changes/*.changes.jsonl`), in order.
struct ChangeFeed: Sendable {
    let holder: SnapshotHolder
    let directory: SnapshotDirectory
    private let cache = ChangeFileCache()

    init(holder: SnapshotHolder, directory: SnapshotDirectory) {
        self.holder = holder
        self.directory = directory
    }

    static let known: Set<String> = ["since", "country", "service", "kind", "limit", "cursor"]

    func register(on router: Router<some RequestContext>) {
        router.get("/v1/changes") { request, _ in try self.changes(request) }
    }

    struct ChangeBody: Encodable {
        /// The build that made the change.
        var build: String
        var change: ChangeSet.Change
    }

    struct Body: Encodable {
        var since: String
        /// The build served: the feed runs up to it.
        var until: String
        var total: Int
        var changes: [ChangeBody]
        /// Pass as `cursor` for the next page; absent on the last.
        var next: String?
    }

    private func changes(_ request: Request) throws -> Response {
        try SearchParameters.checkEncoding(request.uri.query)
        let parameters = request.uri.queryParameters
        try SearchParameters.checkNames(parameters, Self.known)
        for name in ["since", "cursor"] where parameters.getAll(name).count > 1 {
            throw Problem.badParameter(name, "given more than once")
        }
        guard let since = parameters.get("since").map({ String($0) }) else {
            throw Problem.badParameter(
                "since",
                "required: the build id of the snapshot to start after (GET /v1/snapshot)"
            )
        }
        guard (1...64).contains(since.count), since.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == "-") }) else {
            throw Problem.badParameter("since", "'\(since.prefix(64))' is not a build id")
        }
        let limit = try SearchParameters.integer(parameters, "limit", range: 1...1000) ?? 100
        let cursor = try SearchParameters.integer(parameters, "cursor", range: 0...Int(Int32.max)) ?? 0
        let countries = Set(try SearchParameters.countries(parameters))
        let services = Set(
            try SearchParameters.values(parameters, "service") { ServiceCatalog.isWellFormed($0) ? $0 : nil }
        )
        let kinds = Set(
            try SearchParameters.values(parameters, "kind", allowed: ChangeSet.Change.Kind.allCases.map(\.rawValue)) {
                ChangeSet.Change.Kind(rawValue: $0)
            }
        )
        let loaded = try holder.loaded()
        let served = loaded.snapshot.metadata.buildID
        let sets = try cache.load(directory)
        guard let chain = ChangeSet.chain(sets, since: since, until: served) else {
            throw Problem(.gone, ChangeSet.unreachable(since: since, sets: sets))
        }
        var matching: [ChangeBody] = []
        for set in chain {
            for change in set.changes {
                if !kinds.isEmpty, !kinds.contains(change.kind) { continue }
                if !countries.isEmpty, !(change.country.map(countries.contains) ?? false) { continue }
                if !services.isEmpty, !(change.service.map(services.contains) ?? false) { continue }
                matching.append(ChangeBody(build: set.to, change: change))
            }
        }
        let page = Array(matching.dropFirst(cursor).prefix(limit))
        let next = cursor + page.count < matching.count ? String(cursor + page.count) : nil
        return try QueryRoutes.json(Body(since: since, until: served, total: matching.count, changes: page, next: next))
    }
}

/// Parsed change files by name, re-read only when a file's size or modification time changes.
final class ChangeFileCache: Sendable {
    private let state = Mutex<[String: (stamp: String, set: ChangeSet)]>([:])

    /// Every readable change file, oldest first; a damaged one is skipped (its chain then ends).
    func load(_ directory: SnapshotDirectory) throws -> [ChangeSet] {
        var result: [ChangeSet] = []
        var seen: Set<String> = []
        for name in directory.changeFileSnapshots() {
            let path = directory.changesPath(for: name)
            seen.insert(path)
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let stamp =
                "\(attributes?[.size] ?? 0)/\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
            if let cached = state.withLock({ $0[path] }), cached.stamp == stamp {
                result.append(cached.set)
                continue
            }
            guard let data = FileManager.default.contents(atPath: path),
                let set = try? ChangeSet(jsonLines: data, file: path)
            else { continue }
            state.withLock { $0[path] = (stamp, set) }
            result.append(set)
        }
        state.withLock { cache in cache = cache.filter { seen.contains($0.key) } }
        return result
    }
}
