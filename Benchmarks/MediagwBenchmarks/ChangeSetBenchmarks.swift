import Foundation
import MediaModel
import Snapshots

/// The change set a publish computes, against the snapshot at `path`: for each share of titles
/// changed (a price, an end date, an added offer, or the title removed, in turn), the time to
/// compare and the size of the change file. The titles are decoded once beforehand, as a build
/// has them in memory.
func measureChangeSets(snapshotAt path: String, percentages: [Int]) throws {
    let snapshot = try Snapshot(path: path)
    var titles: [CanonicalTitle] = []
    titles.reserveCapacity(snapshot.documentCount)
    try snapshot.forEachTitle { _, title in titles.append(title) }
    let clock = ContinuousClock()
    for percentage in percentages {
        var changed = titles
        var random = SplitMix64(seed: UInt64(percentage))
        var removed: Set<Int> = []
        let count = titles.count * percentage / 100
        for step in 0..<count {
            let index = Int.random(in: 0..<changed.count, using: &random)
            switch step % 4 {
            case 0:
                if !changed[index].offers.isEmpty {
                    changed[index].offers[0].price = Price(amountText: "\(1 + step % 20).99", currency: "USD")
                }
            case 1:
                if !changed[index].offers.isEmpty { changed[index].offers[0].expiresOn = "2027-01-\(10 + step % 18)" }
            case 2:
                changed[index].offers.append(Offer(country: "NZ", service: "netflix", monetization: .subscription))
            default:
                removed.insert(index)
            }
        }
        let kept = changed.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        let start = clock.now
        let set = try ChangeSet(
            old: snapshot,
            oldName: (path as NSString).lastPathComponent,
            titles: kept,
            aliases: [:],
            buildID: "bench"
        )
        let compared = clock.now - start
        let file = try set.jsonLines()
        print(
            String(
                format: "%d titles, %d%% changed: change set %.2f s, %d changes, change file %.1f MB",
                titles.count,
                percentage,
                seconds(compared),
                set.changes.count,
                Double(file.count) / 1_048_576
            )
        )
    }
}
