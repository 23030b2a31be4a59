import MediaModel

/// What changed between two snapshots: titles added, removed and changed, and offer changes.
public struct SnapshotDiff: Sendable, Codable {
    /// One change, as printed by `mediagw snapshot diff`.
    public struct Change: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable {
            case titleAdded = "title-added"
            case titleRemoved = "title-removed"
            case titleChanged = "title-changed"
            case offerAdded = "offer-added"
            case offerRemoved = "offer-removed"
            case priceChanged = "price-changed"
        }

        public var kind: Kind
        public var id: String
        public var title: String
        /// Changed field names, or the offer (`US/netflix/subscription/hd`), or `old → new` prices.
        public var detail: String?
    }

    public var changes: [Change] = []

    public func count(_ kind: Change.Kind) -> Int { changes.filter { $0.kind == kind }.count }

    /// Compares the two snapshots title by title (both are in id order, so one merge pass).
    public init(old: Snapshot, new: Snapshot) throws {
        var oldDoc: UInt32 = 0
        var newDoc: UInt32 = 0
        let oldCount = UInt32(old.documentCount)
        let newCount = UInt32(new.documentCount)
        while oldDoc < oldCount || newDoc < newCount {
            let oldID = oldDoc < oldCount ? old.id(ofDocument: oldDoc) : nil
            let newID = newDoc < newCount ? new.id(ofDocument: newDoc) : nil
            if let oldID, newID == nil || oldID < newID! {
                let title = try old.title(oldDoc)
                changes.append(Change(kind: .titleRemoved, id: oldID, title: title.title))
                oldDoc += 1
            } else if let newID, oldID == nil || newID < oldID! {
                let title = try new.title(newDoc)
                changes.append(Change(kind: .titleAdded, id: newID, title: title.title))
                newDoc += 1
            } else {
                compare(try old.title(oldDoc), try new.title(newDoc))
                oldDoc += 1
                newDoc += 1
            }
        }
    }

    private mutating func compare(_ old: CanonicalTitle, _ new: CanonicalTitle) {
        var oldBare = old
        var newBare = new
        oldBare.offers = []
        newBare.offers = []
        if oldBare != newBare {
            changes.append(
                Change(kind: .titleChanged, id: new.id, title: new.title, detail: Self.changedFields(oldBare, newBare))
            )
        }
        let oldOffers = Dictionary(old.offers.map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
        let newOffers = Dictionary(new.offers.map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
        for identity in Set(oldOffers.keys).union(newOffers.keys).sorted() {
            switch (oldOffers[identity], newOffers[identity]) {
            case (nil, .some):
                changes.append(Change(kind: .offerAdded, id: new.id, title: new.title, detail: identity.description))
            case (.some, nil):
                changes.append(Change(kind: .offerRemoved, id: new.id, title: new.title, detail: identity.description))
            case (.some(let before), .some(let after)) where before.price != after.price:
                let detail =
                    "\(identity): \(before.price?.description ?? "none") → \(after.price?.description ?? "none")"
                changes.append(Change(kind: .priceChanged, id: new.id, title: new.title, detail: detail))
            default:
                break
            }
        }
    }

    private static func changedFields(_ old: CanonicalTitle, _ new: CanonicalTitle) -> String {
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
        return fields.isEmpty ? "other fields" : fields.joined(separator: ",")
    }
}
