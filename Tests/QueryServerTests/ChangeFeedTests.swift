import Foundation
import MediaModel
@testable import QueryServer
import Snapshots
import TestSupport
import Testing

/// `GET /v1/changes` over the change files of two publishes.
@Suite struct ChangeFeedTests {
    static func offer(_ country: String, _ service: String) -> Offer {
        Offer(country: country, service: service, monetization: .subscription)
    }

    /// Three builds: the first, one that adds offers, one that removes a title.
    static func directory() throws -> (SnapshotDirectory, builds: [String]) {
        let directory = SnapshotDirectory(path: temporaryDirectory("changes") + "/snapshots")
        let versions: [[CanonicalTitle]] = [
            [makeTitle("mg01", "Alpha"), makeTitle("mg02", "Bravo")],
            [
                makeTitle("mg01", "Alpha", offers: [offer("US", "netflix"), offer("DE", "netflix")]),
                makeTitle("mg02", "Bravo", offers: [offer("US", "hulu")]),
            ],
            [makeTitle("mg01", "Alpha", offers: [offer("US", "netflix"), offer("DE", "netflix")])],
        ]
        var builds: [String] = []
        var previous: (Snapshot, String)?
        for (index, titles) in versions.enumerated() {
            let id = UUID()
            let build = id.uuidString.lowercased()
            let bytes = try SnapshotWriter().makeSnapshot(titles: titles, sourceCounts: [:], aliases: [:], buildID: id)
            let changes = try previous.map {
                try ChangeSet(old: $0.0, oldName: $0.1, titles: titles, aliases: [:], buildID: build)
            }
            let publication = try directory.publish(
                bytes,
                builtAt: Date(timeIntervalSinceNow: Double(index - 10)),
                buildID: build,
                changes: changes
            )
            previous = (try Snapshot(path: publication.path), (publication.path as NSString).lastPathComponent)
            builds.append(build)
        }
        return (directory, builds)
    }

    static func kinds(_ json: [String: Any]) -> [String] {
        (json["changes"] as? [[String: Any]] ?? []).compactMap {
            ($0["change"] as? [String: Any]).map { "\($0["id"] ?? "") \($0["kind"] ?? "") \($0["country"] ?? "")" }
        }
    }

    @Test func changesSinceABuildRunInOrderToTheServedOneWithFiltersAndPages() async throws {
        let (directory, builds) = try Self.directory()
        try await withServer(directory) { _, base in
            let all = try await get(base, "/v1/changes?since=\(builds[0])")
            #expect(all.status == 200, "\(all.text)")
            #expect(
                Self.kinds(all.json) == [
                    "mg01 offer-added DE", "mg01 offer-added US", "mg02 offer-added US", "mg02 title-removed ",
                ]
            )
            #expect(all.json["until"] as? String == builds[2] && all.json["next"] == nil)
            let builtBy = (all.json["changes"] as? [[String: Any]])?.map { $0["build"] as? String }
            #expect(builtBy == [builds[1], builds[1], builds[1], builds[2]])
            let later = try await get(base, "/v1/changes?since=\(builds[1])")
            #expect(Self.kinds(later.json) == ["mg02 title-removed "])
            let current = try await get(base, "/v1/changes?since=\(builds[2])")
            #expect(current.status == 200 && current.json["total"] as? Int == 0)

            let us = try await get(base, "/v1/changes?since=\(builds[0])&country=us&kind=offer-added")
            #expect(Self.kinds(us.json) == ["mg01 offer-added US", "mg02 offer-added US"])
            let page1 = try await get(base, "/v1/changes?since=\(builds[0])&limit=3")
            #expect(Self.kinds(page1.json).count == 3 && page1.json["next"] as? String == "3")
            let page2 = try await get(base, "/v1/changes?since=\(builds[0])&limit=3&cursor=3")
            #expect(Self.kinds(page2.json) == ["mg02 title-removed "] && page2.json["next"] == nil)
        }
    }

    @Test func anUnknownOrExpiredBuildIs410AndBadParametersAre400() async throws {
        let (directory, builds) = try Self.directory()
        try await withServer(directory) { _, base in
            let gone = try await get(base, "/v1/changes?since=0123abcd")
            #expect(gone.status == 410)
            #expect((gone.json["detail"] as? String)?.contains(builds[0]) == true, "\(gone.text)")
            for (path, parameter) in [
                ("/v1/changes", "since"), ("/v1/changes?since=not%20an%20id", "since"),
                ("/v1/changes?since=\(builds[0])&kind=offer-moved", "kind"),
                ("/v1/changes?since=\(builds[0])&limit=0", "limit"),
                ("/v1/changes?since=\(builds[0])&country=USA", "country"),
                ("/v1/changes?since=\(builds[0])&page=2", "page"),
            ] {
                let response = try await get(base, path)
                #expect(response.status == 400, "\(path)")
                #expect(response.json["parameter"] as? String == parameter, "\(path): \(response.text)")
            }
        }
    }
}
