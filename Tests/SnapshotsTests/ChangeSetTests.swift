import Foundation
import MediaModel
@testable import Snapshots
import TestSupport
import Testing

/// What a publish changed, change by change, and its file form.
@Suite struct ChangeSetTests {
    static func offer(
        _ country: String,
        _ service: String,
        _ monetization: Monetization = .subscription,
        quality: VideoQuality? = .hd,
        price: String? = nil,
        expires: String? = nil
    ) -> Offer {
        Offer(
            country: country,
            service: service,
            monetization: monetization,
            price: price.flatMap { Price(amountText: $0, currency: "USD") },
            quality: quality,
            expiresOn: expires
        )
    }

    static let old = [
        makeTitle(
            "mg01",
            "Alpha",
            offers: [offer("US", "netflix"), offer("US", "apple-tv-store", .rent, price: "3.99")]
        ),
        makeTitle("mg02", "Bravo", offers: [offer("US", "netflix", expires: "2026-12-20")]),
        makeTitle("mg03", "Charlie", offers: [offer("GB", "bbc-iplayer")]),
        makeTitle("mg04", "Delta", year: 1990),
        makeTitle("mg05", "Echo", offers: [offer("US", "hulu", quality: .sd)]),
    ]

    @Test func everyKindOfChangeIsFoundInOneMergePass() throws {
        var new = Self.old
        // Alpha: the rental gets dearer and a new offer appears; the subscription gets an end date.
        new[0].offers = [
            Self.offer("US", "netflix", expires: "2026-12-31"),
            Self.offer("US", "apple-tv-store", .rent, price: "4.99"),
            Self.offer("DE", "netflix"),
        ]
        // Bravo's end date moves; Charlie is merged into Alpha; Delta's year is corrected.
        new[1].offers = [Self.offer("US", "netflix", expires: "2027-01-10")]
        new.remove(at: 2)
        new[2].year = 1991
        // Echo's offer changes quality; Foxtrot is new.
        new[3].offers = [Self.offer("US", "hulu", quality: .hd)]
        new.append(makeTitle("mg06", "Foxtrot", offers: [Self.offer("US", "max")]))
        let snapshot = try Snapshot(path: try writeSnapshot(Self.old))
        let set = try ChangeSet(
            old: snapshot,
            oldName: "old.mgws",
            titles: new.reversed(),
            aliases: ["mg03": "mg01"],
            buildID: "b2"
        )
        #expect(set.from == snapshot.metadata.buildID && set.to == "b2")
        let summary = set.changes.map { "\($0.id) \($0.kind.rawValue) \($0.country ?? "")/\($0.service ?? "")" }
        #expect(
            summary == [
                "mg01 offer-added DE/netflix", "mg01 price-changed US/apple-tv-store", "mg01 expiry-set US/netflix",
                "mg02 expiry-moved US/netflix", "mg03 title-merged /", "mg04 title-changed /",
                "mg05 quality-changed US/hulu", "mg06 title-added /", "mg06 offer-added US/max",
            ]
        )
        let price = set.changes[1]
        #expect(price.oldPrice?.amountText == "3.99" && price.newPrice?.amountText == "4.99")
        #expect(set.changes[2].oldExpires == nil && set.changes[2].newExpires == "2026-12-31")
        #expect(set.changes[3].oldExpires == "2026-12-20" && set.changes[3].newExpires == "2027-01-10")
        #expect(set.changes[4].mergedInto == "mg01")
        #expect(set.changes[5].fields == ["year"])
        #expect(set.changes[6].oldQuality == .sd && set.changes[6].quality == .hd)

        // Removal without an alias, and nothing for an unchanged catalog.
        let removed = try ChangeSet(
            old: snapshot,
            oldName: "old.mgws",
            titles: Array(Self.old.dropLast()),
            aliases: [:],
            buildID: "b3"
        )
        #expect(removed.changes.map(\.kind) == [.titleRemoved])
        let same = try ChangeSet(old: snapshot, oldName: "old.mgws", titles: Self.old, aliases: [:], buildID: "b4")
        #expect(same.changes.isEmpty)
    }

    @Test func theFileFormRoundTripsAndADamagedFileIsRefusedByName() throws {
        let snapshot = try Snapshot(path: try writeSnapshot(Self.old))
        let set = try ChangeSet(
            old: snapshot,
            oldName: "old.mgws",
            titles: Array(Self.old.dropFirst()),
            aliases: [:],
            buildID: "b2"
        )
        let data = try set.jsonLines()
        #expect(try ChangeSet(jsonLines: data, file: "x.jsonl") == set)
        #expect(String(decoding: data, as: UTF8.self).split(separator: "\n").count == set.changes.count + 1)
        let truncated = data.prefix(data.count - 10)
        let error = #expect(throws: MediaError.self) { try ChangeSet(jsonLines: truncated, file: "x.jsonl") }
        #expect(error?.message.contains("x.jsonl") == true)
    }

    @Test func aPublishWritesItsChangeFileBeforeCurrentAndPruningRemovesIt() throws {
        let directory = SnapshotDirectory(path: temporaryDirectory() + "/published")
        var names: [String] = []
        for index in 0..<3 {
            let id = UUID()
            let bytes = try SnapshotWriter().makeSnapshot(
                titles: Self.old,
                sourceCounts: [:],
                aliases: [:],
                buildID: id
            )
            let changes = ChangeSet(
                from: "prev\(index)",
                fromSnapshot: "p",
                to: id.uuidString.lowercased(),
                changes: []
            )
            let publication = try directory.publish(
                bytes,
                builtAt: Date(timeIntervalSinceNow: Double(index)),
                buildID: id.uuidString,
                keep: 2,
                changes: changes
            )
            names.append((publication.path as NSString).lastPathComponent)
        }
        #expect(directory.changeFileSnapshots() == Array(names.suffix(2)))
        #expect(!FileManager.default.fileExists(atPath: directory.changesPath(for: names[0])))
    }
}
