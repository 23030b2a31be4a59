import Foundation
import MediaModel
import Snapshots
import Synchronization

/// Every dated offer of a snapshot — one that says when it started or when it ends — sorted by
/// expiry and by start, so "what leaves in the next 30 days" and "what is new this week" are a
/// binary search and a walk over the answer, whatever the catalog's size.
///
/// Built once per snapshot from its titles, the first time an availability question is asked
/// (about 2 s per 100,000 titles in a release build on 2 cores).
public struct AvailabilityIndex: Sendable {
    public struct Entry: Sendable {
        public var doc: UInt32
        /// The offer's position in its title's `offers`.
        public var offer: UInt16
        var country: UInt16
        var service: UInt16
        var monetization: UInt8
        public var since: Day?
        public var expires: Day?
    }

    public let entries: [Entry]
    /// Titles in the snapshot.
    let documentCount: Int
    /// Entry indexes with an expiry, by (expires, doc, offer).
    let byExpiry: [Int32]
    /// Entry indexes with a start, by (since, doc, offer).
    let bySince: [Int32]
    private let countries: [String: UInt16]
    private let services: [String: UInt16]

    public init(snapshot: Snapshot) throws {
        var entries: [Entry] = []
        var countries: [String: UInt16] = [:]
        var services: [String: UInt16] = [:]
        func code(_ value: String, in table: inout [String: UInt16]) -> UInt16 {
            if let existing = table[value] { return existing }
            let next = UInt16(clamping: table.count)
            table[value] = next
            return next
        }
        // Titles are decoded in parallel, 1,024 at a time (each chunk's offers in document order);
        // codes are then assigned in one pass, so the index is the same however it was split.
        struct Dated: Sendable {
            var doc: UInt32
            var offer: UInt16
            var country: String
            var service: String
            var monetization: UInt8
            var since: Day?
            var expires: Day?
        }
        let chunks = Array(stride(from: 0, to: snapshot.documentCount, by: 1024))
        let dated = try chunks.parallelMap { start -> [Dated] in
            var found: [Dated] = []
            for doc in UInt32(start)..<UInt32(min(start + 1024, snapshot.documentCount)) {
                for (position, offer) in try snapshot.title(doc).offers.enumerated() where position <= Int(UInt16.max) {
                    let since = offer.availableSince.flatMap(Day.init(iso:))
                    let expires = offer.expiresOn.flatMap(Day.init(iso:))
                    guard since != nil || expires != nil else { continue }
                    found.append(
                        Dated(
                            doc: doc,
                            offer: UInt16(position),
                            country: offer.country,
                            service: offer.service,
                            monetization: UInt8(Monetization.allCases.firstIndex(of: offer.monetization) ?? 0),
                            since: since,
                            expires: expires
                        )
                    )
                }
            }
            return found
        }
        for item in dated.joined() {
            entries.append(
                Entry(
                    doc: item.doc,
                    offer: item.offer,
                    country: code(item.country, in: &countries),
                    service: code(item.service, in: &services),
                    monetization: item.monetization,
                    since: item.since,
                    expires: item.expires
                )
            )
        }
        func order(_ key: (Entry) -> Day?) -> [Int32] {
            entries.indices.filter { key(entries[$0]) != nil }.map { Int32($0) }.sorted { left, right in
                let a = entries[Int(left)]
                let b = entries[Int(right)]
                let (dayA, dayB) = (key(a)!, key(b)!)
                if dayA != dayB { return dayA < dayB }
                return a.doc != b.doc ? a.doc < b.doc : a.offer < b.offer
            }
        }
        self.entries = entries
        documentCount = snapshot.documentCount
        self.countries = countries
        self.services = services
        byExpiry = order(\.expires)
        bySince = order(\.since)
    }

    /// Which offers count: those in one of `countries`, on one of `services`, paid for in one of
    /// `monetizations` (an empty list allows any), and inside the date windows given.
    public struct OfferFilter: Sendable, Equatable {
        public var countries: [String] = []
        public var services: [String] = []
        public var monetizations: [Monetization] = []
        public var since: ClosedRange<Day>?
        public var expires: ClosedRange<Day>?

        public init(
            countries: [String] = [],
            services: [String] = [],
            monetizations: [Monetization] = [],
            since: ClosedRange<Day>? = nil,
            expires: ClosedRange<Day>? = nil
        ) {
            self.countries = countries
            self.services = services
            self.monetizations = monetizations
            self.since = since
            self.expires = expires
        }

        public var hasDates: Bool { since != nil || expires != nil }

        /// Whether any condition is set (a search then reports each hit's matched offers).
        public var isEmpty: Bool { countries.isEmpty && services.isEmpty && monetizations.isEmpty && !hasDates }

        /// Whether `offer` passes: the same test the index applies, for one title's offers.
        public func accepts(_ offer: Offer) -> Bool {
            if !countries.isEmpty, !countries.contains(offer.country) { return false }
            if !services.isEmpty, !services.contains(offer.service) { return false }
            if !monetizations.isEmpty, !monetizations.contains(offer.monetization) { return false }
            if let since, !(offer.availableSince.flatMap(Day.init(iso:)).map(since.contains) ?? false) { return false }
            if let expires, !(offer.expiresOn.flatMap(Day.init(iso:)).map(expires.contains) ?? false) { return false }
            return true
        }
    }

    /// A compiled filter: the codes it accepts (nil: any).
    struct Matcher {
        var countries: Set<UInt16>?
        var services: Set<UInt16>?
        var monetizations: Set<UInt8>?
        var since: ClosedRange<Day>?
        var expires: ClosedRange<Day>?

        func accepts(_ entry: Entry) -> Bool {
            if let countries, !countries.contains(entry.country) { return false }
            if let services, !services.contains(entry.service) { return false }
            if let monetizations, !monetizations.contains(entry.monetization) { return false }
            if let since, !(entry.since.map(since.contains) ?? false) { return false }
            if let expires, !(entry.expires.map(expires.contains) ?? false) { return false }
            return true
        }
    }

    func matcher(_ filter: OfferFilter) -> Matcher {
        Matcher(
            countries: filter.countries.isEmpty ? nil : Set(filter.countries.compactMap { countries[$0] }),
            services: filter.services.isEmpty ? nil : Set(filter.services.compactMap { services[$0] }),
            monetizations: filter.monetizations.isEmpty
                ? nil
                : Set(filter.monetizations.compactMap { Monetization.allCases.firstIndex(of: $0).map(UInt8.init) }),
            since: filter.since,
            expires: filter.expires
        )
    }

    /// The entries of `order` whose day is in `window`, ascending.
    func walk(_ order: [Int32], key: KeyPath<Entry, Day?>, window: ClosedRange<Day>) -> [Int32].SubSequence {
        let start = firstIndex(in: order, key: key) { $0 >= window.lowerBound }
        let end = firstIndex(in: order, key: key) { $0 > window.upperBound }
        return order[start..<max(start, end)]
    }

    private func firstIndex(in order: [Int32], key: KeyPath<Entry, Day?>, where predicate: (Day) -> Bool) -> Int {
        var low = 0
        var high = order.count
        while low < high {
            let middle = (low + high) / 2
            if predicate(entries[Int(order[middle])][keyPath: key]!) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// What an availability question answers: titles in order, each with the offers that matched.
    public struct Hit: Sendable, Equatable {
        public var doc: UInt32
        /// Positions in the title's `offers` that matched, in the order of the walk.
        public var offers: [Int]
        /// The day the title was ordered by (its first matched offer's).
        public var day: Day
    }

    public enum Order: Sendable { case soonestExpiry, newestStart }

    /// Titles with a matching offer, ordered by that offer's expiry (soonest first) or start
    /// (newest first), each once, with its matched offers; `allowed` narrows the titles (other
    /// filters). Returns one page and the total.
    public func titles(
        _ filter: OfferFilter,
        order: Order,
        allowed: DocumentSet?,
        offset: Int,
        limit: Int
    ) -> (hits: [Hit], total: Int) {
        let compiled = matcher(filter)
        let (sequence, key, window): ([Int32], KeyPath<Entry, Day?>, ClosedRange<Day>) =
            switch order {
            case .soonestExpiry: (byExpiry, \.expires, filter.expires ?? Day(number: .min)...Day(number: .max))
            case .newestStart: (bySince, \.since, filter.since ?? Day(number: .min)...Day(number: .max))
            }
        let range = walk(sequence, key: key, window: window)
        // One bit per title seen (the total counts titles, not offers); offers are gathered only
        // for the titles of the page.
        var seen = DocumentSet(count: documentCount, full: false)
        var total = 0
        var page: [Hit] = []
        var pagePositions: [UInt32: Int] = [:]
        let wanted = offset + limit
        func visit(_ index: Int32) {
            let entry = entries[Int(index)]
            guard compiled.accepts(entry), allowed.map({ $0.contains(entry.doc) }) ?? true else { return }
            if seen.contains(entry.doc) {
                if let position = pagePositions[entry.doc] { page[position].offers.append(Int(entry.offer)) }
                return
            }
            seen.insert(entry.doc)
            if total >= offset && total < wanted {
                pagePositions[entry.doc] = page.count
                page.append(Hit(doc: entry.doc, offers: [Int(entry.offer)], day: entry[keyPath: key]!))
            }
            total += 1
        }
        if order == .newestStart {
            for index in range.reversed() { visit(index) }
        } else {
            for index in range { visit(index) }
        }
        return (page, total)
    }

    /// Per title with an offer passing `filter`, the earliest (or, with `latest`, the latest)
    /// expiry or start among those offers: the key of `sort=expires|available_since`.
    public func firstDays(_ filter: OfferFilter, expiry: Bool, latest: Bool) -> [UInt32: Day] {
        let compiled = matcher(filter)
        var days: [UInt32: Day] = [:]
        for index in expiry ? byExpiry : bySince {
            let entry = entries[Int(index)]
            guard compiled.accepts(entry), let day = expiry ? entry.expires : entry.since else { continue }
            if latest { days[entry.doc] = day } else if days[entry.doc] == nil { days[entry.doc] = day }
        }
        return days
    }

    /// The titles with at least one offer passing `filter` (date filters on search).
    public func documents(_ filter: OfferFilter) -> DocumentSet {
        let compiled = matcher(filter)
        var set = DocumentSet(count: documentCount, full: false)
        let (sequence, key, window): ([Int32], KeyPath<Entry, Day?>, ClosedRange<Day>) =
            if let expires = filter.expires { (byExpiry, \.expires, expires) } else {
                (bySince, \.since, filter.since ?? Day(number: .min)...Day(number: .max))
            }
        for index in walk(sequence, key: key, window: window) {
            let entry = entries[Int(index)]
            if compiled.accepts(entry) { set.insert(entry.doc) }
        }
        return set
    }
}

/// The availability index of one snapshot, built on first use and then shared. A second
/// caller during the build waits for it instead of building another.
final class LazyAvailability: @unchecked Sendable {
    private let lock = NSLock()
    private var built: Result<AvailabilityIndex, MediaError>?

    func index(for snapshot: Snapshot) throws -> AvailabilityIndex {
        lock.lock()
        defer { lock.unlock() }
        if let built { return try built.get() }
        let result: Result<AvailabilityIndex, MediaError>
        do {
            result = .success(try AvailabilityIndex(snapshot: snapshot))
        } catch let error as MediaError {
            result = .failure(error)
        } catch {
            result = .failure(MediaError(.corruptSnapshot, "\(error)"))
        }
        built = result
        return try result.get()
    }
}

/// Sort keys per document: the year (from the year facet) and the rank of the title in
/// case- and accent-insensitive order; each built once per snapshot on first use.
final class LazySortKeys: Sendable {
    private let yearsState = Mutex<[Int32]?>(nil)
    private let ranksState = Mutex<[Int32]?>(nil)

    func years(_ snapshot: Snapshot) throws -> [Int32] {
        if let built = yearsState.withLock({ $0 }) { return built }
        var years = [Int32](repeating: .min, count: snapshot.documentCount)
        for (value, _) in snapshot.facetValues(.year) {
            guard let year = Int32(value) else { continue }
            for doc in try snapshot.facetDocuments(.year, value) where Int(doc) < years.count { years[Int(doc)] = year }
        }
        yearsState.withLock { $0 = years }
        return years
    }

    private let textState = Mutex<[Bool]?>(nil)

    /// Per document, whether it has an overview (text beyond its name and people).
    func hasText(_ snapshot: Snapshot) throws -> [Bool] {
        if let built = textState.withLock({ $0 }) { return built }
        var flags = [Bool](repeating: false, count: snapshot.documentCount)
        try snapshot.forEachTitle { doc, title in flags[Int(doc)] = !(title.overview ?? "").isEmpty }
        textState.withLock { $0 = flags }
        return flags
    }

    func titleRanks(_ snapshot: Snapshot) throws -> [Int32] {
        if let built = ranksState.withLock({ $0 }) { return built }
        var names: [(String, UInt32)] = []
        names.reserveCapacity(snapshot.documentCount)
        try snapshot.forEachTitle { doc, title in names.append((Self.sortName(title), doc)) }
        return store(names, count: snapshot.documentCount)
    }

    static func sortName(_ title: CanonicalTitle) -> String {
        title.title.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }

    private func store(_ names: [(String, UInt32)], count: Int) -> [Int32] {
        let names = names.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var ranks = [Int32](repeating: 0, count: count)
        for (rank, entry) in names.enumerated() { ranks[Int(entry.1)] = Int32(rank) }
        ranksState.withLock { $0 = ranks }
        return ranks
    }

    /// Builds every key not yet built, decoding each title once for the text flags and the
    /// title order: what `SearchEngine.warm()` does at a swap, so that the first `sort=title`
    /// or hybrid request does not pay for it (4.5 s at 100,000 titles, docs/benchmarks.md).
    func warm(_ snapshot: Snapshot) throws {
        _ = try years(snapshot)
        let needText = textState.withLock { $0 == nil }
        let needRanks = ranksState.withLock { $0 == nil }
        guard needText || needRanks else { return }
        var flags = [Bool](repeating: false, count: snapshot.documentCount)
        var names: [(String, UInt32)] = []
        if needRanks { names.reserveCapacity(snapshot.documentCount) }
        try snapshot.forEachTitle { doc, title in
            flags[Int(doc)] = !(title.overview ?? "").isEmpty
            if needRanks { names.append((Self.sortName(title), doc)) }
        }
        if needText { textState.withLock { $0 = flags } }
        if needRanks { _ = store(names, count: snapshot.documentCount) }
    }
}
