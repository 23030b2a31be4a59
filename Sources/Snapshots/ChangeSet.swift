import Foundation
import MediaModel

/// What one publish changed against the snapshot that was current before it, change by change:
/// what `GET /v1/changes` serves, `mediagw snapshot diff` prints and change events carry
/// (`docs/formats/changes.md`).
public struct ChangeSet: Sendable, Codable, Equatable {
    public struct Change: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            case titleAdded = "title-added"
            case titleRemoved = "title-removed"
            /// The title's id was retired by a merge; `mergedInto` names the survivor.
            case titleMerged = "title-merged"
            case titleChanged = "title-changed"
            case offerAdded = "offer-added"
            case offerRemoved = "offer-removed"
            case priceChanged = "price-changed"
            /// An offer without an end date got one.
            case expirySet = "expiry-set"
            /// An offer's end date moved (or was removed: `newExpires` is then absent).
            case expiryMoved = "expiry-moved"
            case qualityChanged = "quality-changed"
        }

        public var kind: Kind
        public var id: String
        public var title: String
        public var titleKind: TitleKind
        public var country: String?
        public var service: String?
        public var monetization: Monetization?
        public var quality: VideoQuality?
        public var oldQuality: VideoQuality?
        public var oldPrice: Price?
        public var newPrice: Price?
        public var oldExpires: String?
        public var newExpires: String?
        public var mergedInto: String?
        /// For `title-changed`: the fields that changed.
        public var fields: [String]?

        /// One line of what changed: the offer, the fields, `old → new` prices or dates.
        public var detail: String? {
            let offer = [country, service, monetization?.rawValue].compactMap { $0 }.joined(separator: "/")
            switch kind {
            case .titleAdded, .titleRemoved: return nil
            case .titleMerged: return mergedInto.map { "into \($0)" }
            case .titleChanged: return fields?.joined(separator: ",")
            case .offerAdded, .offerRemoved: return offer + (quality.map { "/\($0.rawValue)" } ?? "")
            case .priceChanged:
                return "\(offer): \(oldPrice?.description ?? "none") → \(newPrice?.description ?? "none")"
            case .expirySet, .expiryMoved: return "\(offer): \(oldExpires ?? "none") → \(newExpires ?? "none")"
            case .qualityChanged:
                return "\(offer): \(oldQuality?.rawValue ?? "none") → \(quality?.rawValue ?? "none")"
            }
        }

        init(_ kind: Kind, _ title: CanonicalTitle, offer: Offer? = nil) {
            self.kind = kind
            id = title.id
            self.title = title.title
            titleKind = title.kind
            country = offer?.country
            service = offer?.service
            monetization = offer?.monetization
            quality = offer?.quality
        }
    }

    /// The build the changes start from (the snapshot current before), and the one they lead to.
    public var from: String
    public var fromSnapshot: String
    public var to: String
    public var changes: [Change]

    public init(from: String, fromSnapshot: String, to: String, changes: [Change]) {
        self.from = from
        self.fromSnapshot = fromSnapshot
        self.to = to
        self.changes = changes
    }

    /// The changes from `old` to `titles` (in id order, as a build writes them) with `aliases`
    /// (retired id → survivor). One merge pass over both id orders; titles equal in full are
    /// skipped after one comparison, so only changed titles cost more.
    public init(
        old: Snapshot,
        oldName: String,
        titles: [CanonicalTitle],
        aliases: [String: String],
        buildID: String
    ) throws {
        from = old.metadata.buildID
        fromSnapshot = oldName
        to = buildID
        changes = []
        let sorted = titles.indices.sorted { titles[$0].id < titles[$1].id }
        let encoder = CompactEncoder()
        var oldDoc: UInt32 = 0
        var position = 0
        let oldCount = UInt32(old.documentCount)
        while oldDoc < oldCount || position < sorted.count {
            let oldID = oldDoc < oldCount ? old.id(ofDocument: oldDoc) : nil
            let newTitle = position < sorted.count ? titles[sorted[position]] : nil
            if let oldID, newTitle == nil || oldID < newTitle!.id {
                let gone = try old.title(oldDoc)
                if let survivor = aliases[oldID] {
                    var change = Change(.titleMerged, gone)
                    change.mergedInto = survivor
                    changes.append(change)
                } else {
                    changes.append(Change(.titleRemoved, gone))
                }
                oldDoc += 1
            } else if let newTitle, oldID == nil || newTitle.id < oldID! {
                changes.append(Change(.titleAdded, newTitle))
                for offer in newTitle.offers { changes.append(Change(.offerAdded, newTitle, offer: offer)) }
                position += 1
            } else {
                // The stored bytes first: an unchanged title is never decoded.
                if try !old.titleBytesEqual(oldDoc, encoder.encode(newTitle!)) {
                    let before = try old.title(oldDoc)
                    if before != newTitle! { compare(before, newTitle!) }
                }
                oldDoc += 1
                position += 1
            }
        }
    }

    /// The changes between two versions of one title.
    private mutating func compare(_ old: CanonicalTitle, _ new: CanonicalTitle) {
        var oldBare = old
        var newBare = new
        oldBare.offers = []
        newBare.offers = []
        oldBare.fieldSources = [:]
        newBare.fieldSources = [:]
        if oldBare != newBare {
            var change = Change(.titleChanged, new)
            change.fields = Self.changedFields(oldBare, newBare)
            changes.append(change)
        }
        // Offers pair up by country, service and monetization; a pair whose quality differs is
        // one offer whose quality changed, unless several offers share that key.
        struct Key: Hashable, Comparable {
            var country, service: String
            var monetization: Monetization
            static func < (a: Key, b: Key) -> Bool {
                (a.country, a.service, a.monetization.rawValue) < (b.country, b.service, b.monetization.rawValue)
            }
        }
        let oldGroups = Dictionary(grouping: old.offers) {
            Key(country: $0.country, service: $0.service, monetization: $0.monetization)
        }
        let newGroups = Dictionary(grouping: new.offers) {
            Key(country: $0.country, service: $0.service, monetization: $0.monetization)
        }
        for key in Set(oldGroups.keys).union(newGroups.keys).sorted() {
            var before = oldGroups[key] ?? []
            var after = newGroups[key] ?? []
            // Same quality first.
            for offer in before {
                guard let match = after.firstIndex(where: { $0.quality == offer.quality }) else { continue }
                offerChanges(offer, after[match], new)
                after.remove(at: match)
                before.removeAll { $0 == offer }
            }
            if before.count == 1, after.count == 1 {
                var change = Change(.qualityChanged, new, offer: after[0])
                change.oldQuality = before[0].quality
                changes.append(change)
                offerChanges(before[0], after[0], new)
                continue
            }
            for offer in before { changes.append(Change(.offerRemoved, new, offer: offer)) }
            for offer in after { changes.append(Change(.offerAdded, new, offer: offer)) }
        }
    }

    private mutating func offerChanges(_ before: Offer, _ after: Offer, _ title: CanonicalTitle) {
        if before.price != after.price {
            var change = Change(.priceChanged, title, offer: after)
            change.oldPrice = before.price
            change.newPrice = after.price
            changes.append(change)
        }
        if before.expiresOn != after.expiresOn {
            var change = Change(before.expiresOn == nil ? .expirySet : .expiryMoved, title, offer: after)
            change.oldExpires = before.expiresOn
            change.newExpires = after.expiresOn
            changes.append(change)
        }
    }

    private static func changedFields(_ old: CanonicalTitle, _ new: CanonicalTitle) -> [String] {
        var fields: [String] = []
        if old.title != new.title { fields.append("title") }
        if old.kind != new.kind { fields.append("kind") }
        if old.year != new.year { fields.append("year") }
        if old.originalTitle != new.originalTitle || old.alternateTitles != new.alternateTitles {
            fields.append("alternateTitles")
        }
        if old.runtimeMinutes != new.runtimeMinutes { fields.append("runtimeMinutes") }
        if old.overview != new.overview { fields.append("overview") }
        if old.genres != new.genres { fields.append("genres") }
        if old.directors != new.directors || old.cast != new.cast { fields.append("people") }
        if old.externalIDs != new.externalIDs { fields.append("externalIDs") }
        if old.members != new.members { fields.append("members") }
        return fields.isEmpty ? ["other"] : fields
    }

    /// The changes between two snapshot files (`mediagw snapshot diff`): every title of `new`
    /// against `old`, with `new`'s aliases for merges.
    public init(old: Snapshot, oldName: String, new: Snapshot) throws {
        var titles: [CanonicalTitle] = []
        titles.reserveCapacity(new.documentCount)
        try new.forEachTitle { _, title in titles.append(title) }
        try self.init(
            old: old,
            oldName: oldName,
            titles: titles,
            aliases: new.metadata.aliases,
            buildID: new.metadata.buildID
        )
    }

    public func count(_ kind: Change.Kind) -> Int { changes.filter { $0.kind == kind }.count }

    /// The change sets that lead from build `since` to build `until`, in order; nil when `sets`
    /// (every change file kept) has no such chain — `since` unknown, or older than retention.
    public static func chain(_ sets: [ChangeSet], since: String, until: String) -> [ChangeSet]? {
        let byStart = Dictionary(sets.map { ($0.from, $0) }, uniquingKeysWith: { _, later in later })
        var chain: [ChangeSet] = []
        var at = since
        while at != until {
            guard let next = byStart[at], chain.count < sets.count else { return nil }
            chain.append(next)
            at = next.to
        }
        return chain
    }

    /// Why no chain leads from `since`: what `/v1/changes` answers with 410 and
    /// `snapshot changes` with exit 66.
    public static func unreachable(since: String, sets: [ChangeSet]) -> String {
        "no changes are kept since build '\(since)' (unknown, or older than the snapshots kept); "
            + (sets.first.map { "the oldest build changes are kept from is \($0.from)" } ?? "no change files are kept")
    }

    // MARK: JSONL

    /// The file form: a header line (`from`, `fromSnapshot`, `to`, `count`), then one change per line.
    public func jsonLines() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        struct Header: Codable {
            var from, fromSnapshot, to: String
            var count: Int
        }
        var data = try encoder.encode(Header(from: from, fromSnapshot: fromSnapshot, to: to, count: changes.count))
        data.append(0x0A)
        for change in changes {
            data.append(try encoder.encode(change))
            data.append(0x0A)
        }
        return data
    }

    /// Reads the file form; a damaged file is an error naming it.
    public init(jsonLines data: Data, file: String) throws {
        struct Header: Codable {
            var from, fromSnapshot, to: String
            var count: Int
        }
        let decoder = JSONDecoder()
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: true)
        guard !lines.isEmpty, let header = try? decoder.decode(Header.self, from: Data(lines.removeFirst())) else {
            throw MediaError(.corruptSnapshot, "\(file) is not a change file (no header line)")
        }
        var changes: [Change] = []
        changes.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            guard let change = try? decoder.decode(Change.self, from: Data(line)) else {
                throw MediaError(.corruptSnapshot, "\(file):\(index + 2): not a change")
            }
            changes.append(change)
        }
        guard changes.count == header.count else {
            throw MediaError(.corruptSnapshot, "\(file) has \(changes.count) changes, its header says \(header.count)")
        }
        self.init(from: header.from, fromSnapshot: header.fromSnapshot, to: header.to, changes: changes)
    }
}
