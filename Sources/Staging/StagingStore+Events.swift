import Foundation
import GRDB

extension StagingStore {
    /// How far an event sink got with a change set: its count of changes and how many of them,
    /// from the first on, the broker acknowledged.
    public struct EventDelivery: Sendable, Equatable {
        public var changeSet: String
        public var total: Int
        public var acknowledged: Int

        public init(changeSet: String, total: Int, acknowledged: Int) {
            self.changeSet = changeSet
            self.total = total
            self.acknowledged = acknowledged
        }

        public var complete: Bool { acknowledged >= total }
    }

    /// Every change set `sink` has a record of (begun or done), keyed by the change set.
    public func eventDeliveries(sink: String) throws -> [String: EventDelivery] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT change_set, total, acknowledged FROM event_deliveries WHERE sink = ?",
                arguments: [sink]
            )
            return Dictionary(
                uniqueKeysWithValues: rows.map { row in
                    let delivery = EventDelivery(
                        changeSet: row["change_set"],
                        total: row["total"],
                        acknowledged: row["acknowledged"]
                    )
                    return (delivery.changeSet, delivery)
                }
            )
        }
    }

    /// Records that `sink` has `delivery.acknowledged` changes of the set acknowledged. Progress
    /// only moves forward: a lower count (a stale writer) leaves the record as it is.
    public func recordEventDelivery(sink: String, _ delivery: EventDelivery) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO event_deliveries (sink, change_set, total, acknowledged, updated_at)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (sink, change_set) DO UPDATE
                    SET acknowledged = max(acknowledged, excluded.acknowledged), total = excluded.total,
                        updated_at = excluded.updated_at
                    """,
                arguments: [sink, delivery.changeSet, delivery.total, delivery.acknowledged, Self.timestamp()]
            )
        }
    }

    /// Forgets the records of change sets no longer kept (retention removed their files).
    public func pruneEventDeliveries(sink: String, keeping kept: Set<String>) throws {
        let known = try eventDeliveries(sink: sink).keys
        let gone = known.filter { !kept.contains($0) }
        guard !gone.isEmpty else { return }
        try write { db in
            for changeSet in gone {
                try db.execute(
                    sql: "DELETE FROM event_deliveries WHERE sink = ? AND change_set = ?",
                    arguments: [sink, changeSet]
                )
            }
        }
    }
}
