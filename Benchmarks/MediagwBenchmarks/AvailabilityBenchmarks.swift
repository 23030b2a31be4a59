import Foundation
import MediaModel
import Search
import Snapshots

/// Leaving and new-arrivals latency over one snapshot: the index build once, then 1,000
/// questions (a country, or a country and a service, a 7/30/90-day window from a day in the
/// data's range), each answered as a page of 10 with the titles decoded, as the daemon does;
/// then searches sorted by each non-relevance field (`sort=`), over a country's offers.
func measureAvailability(_ snapshot: Snapshot, label: String) throws {
    let engine = SearchEngine(snapshot: snapshot)
    let clock = ContinuousClock()
    var start = clock.now
    let index = try engine.availabilityIndex()
    let built = seconds(clock.now - start)
    // Days and offers to ask about, from the data itself.
    var days: [Day] = []
    var pairs: [(String, String)] = []
    for entry in index.entries.prefix(5000) {
        if let day = entry.expires ?? entry.since { days.append(day) }
        let offer = try snapshot.title(entry.doc).offers[Int(entry.offer)]
        pairs.append((offer.country, offer.service))
    }
    guard !days.isEmpty else {
        print("\(label) availability: no dated offers")
        return
    }
    var random = SplitMix64(seed: 17)
    var times: [Double] = []
    var matched = 0
    for question in 0..<1000 {
        var filters = SearchFilters()
        let pair = pairs[Int.random(in: 0..<pairs.count, using: &random)]
        filters.countries = [pair.0]
        if question % 2 == 0 { filters.services = [pair.1] }
        let on = days[Int.random(in: 0..<days.count, using: &random)]
        let window = [7, 30, 90][question % 3]
        let order: AvailabilityIndex.Order = question % 4 < 2 ? .soonestExpiry : .newestStart
        if order == .soonestExpiry {
            filters.expires = on...on.adding(days: window)
        } else {
            filters.availableSince = on.adding(days: -window)...on
        }
        start = clock.now
        let (hits, total) = try engine.availability(filters, order: order, offset: 0, limit: 10)
        for hit in hits { _ = try snapshot.title(hit.doc) }
        times.append(seconds(clock.now - start) * 1000)
        matched += total
    }
    times.sort()
    print(
        String(
            format: "%@ availability: %d dated offers, index built in %.2f s; leaving/new p50 %.3f ms, "
                + "p99 %.3f ms, max %.3f ms (1,000 questions, page of 10 with titles, %.0f matches on average)",
            label,
            index.entries.count,
            built,
            percentile(times, 0.5),
            percentile(times, 0.99),
            times.last ?? 0,
            Double(matched) / 1000
        )
    )

    // Sorted searches: no text, a country (half with a service), each sort field in turn,
    // ascending and descending, a page of 10 with titles, as `/v1/search?sort=…` answers.
    // The daemon warms the sort keys at a swap; so does this, timed on its own.
    start = clock.now
    try engine.warm()
    print(String(format: "%@ sort keys and text flags warmed in %.2f s", label, seconds(clock.now - start)))
    let fields: [SearchSort.Field] = [.expires, .availableSince, .year, .title]
    var sortTimes: [SearchSort.Field: [Double]] = [:]
    for question in 0..<800 {
        var query = SearchQuery(text: "", limit: 10)
        let pair = pairs[Int.random(in: 0..<pairs.count, using: &random)]
        query.filters.countries = [pair.0]
        if question % 2 == 0 { query.filters.services = [pair.1] }
        let field = fields[question % fields.count]
        query.sort = SearchSort(field, descending: question % 8 >= 4)
        start = clock.now
        let results = try engine.search(query)
        for hit in results.hits { _ = try snapshot.title(hit.document) }
        sortTimes[field, default: []].append(seconds(clock.now - start) * 1000)
    }
    for field in fields {
        let sorted = (sortTimes[field] ?? []).sorted()
        print(
            String(
                format:
                    "%@ sort=%@: p50 %.3f ms, p99 %.3f ms, max %.3f ms (200 filtered searches, page of 10 with titles)",
                label,
                field.rawValue,
                percentile(sorted, 0.5),
                percentile(sorted, 0.99),
                sorted.last ?? 0
            )
        )
    }
}
